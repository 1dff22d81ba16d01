#!/usr/bin/env bash
# Installs what dind-service needs on a Debian/Ubuntu machine (as root): the
# distribution's Docker engine (dockerd, containerd, runc), iptables, Node.js >= 20,
# and for the tests busybox-static (their image is built from it) and docker-compose.
set -euo pipefail

need_apt=()
command -v dockerd >/dev/null || need_apt+=(docker.io)
command -v iptables >/dev/null || need_apt+=(iptables)
[ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 || need_apt+=(busybox-static)
command -v docker-compose >/dev/null || need_apt+=(docker-compose)
command -v tar >/dev/null || need_apt+=(tar)
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] || need_apt+=(nodejs npm)

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "dind-service needs Node.js >= 20; this machine has $(node --version 2>/dev/null || echo none)." >&2
  echo "Install Node.js 20 or newer (e.g. from your distribution's backports or NodeSource) and run again." >&2
  exit 1
fi

# dind-service supervises its own dockerd. A system dockerd started by the
# docker.io package would fight it over the docker0 bridge and iptables chains.
if command -v systemctl >/dev/null && systemctl is-active --quiet docker.service 2>/dev/null; then
  echo "stopping and disabling the system docker.service: dind-service runs its own dockerd"
  systemctl disable --now docker.service docker.socket
fi
