#!/usr/bin/env bash
# From a fresh Debian/Ubuntu machine (as root) to a running dind-service with its
# own dockerd: prerequisites, dependencies, build, start. Configuration comes from
# the environment (see the README); arguments are passed to dockerd.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-prerequisites.sh
npm ci --no-audit --no-fund
npm run build
# Streams and client connections each hold file descriptors (docs/operations.md, "Load limits").
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
exec node dist/apps/proxy/apps/proxy/src/main.js -- "$@"
