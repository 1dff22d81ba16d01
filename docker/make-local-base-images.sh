#!/usr/bin/env bash
# Makes the two base images the Dockerfile needs without any container registry
# (where none is reachable): a Debian root filesystem from debootstrap (SUITE,
# default trixie, the Dockerfile's default base), imported as
# dind-local/debian:$SUITE, and the same plus this machine's Node.js (laid out
# as in the official node image: /usr/local/{bin,lib,include}) and CA bundle as
# dind-local/node:20-$SUITE. Run as root with DOCKER_HOST pointing at any
# daemon (a dind-service instance works). Then:
#   docker build -f docker/Dockerfile --build-arg BASE_IMAGE=dind-local/debian:trixie \
#     --build-arg NODE_IMAGE=dind-local/node:20-trixie -t dind-service .
set -euo pipefail
work=${WORK_DIR:-$(mktemp -d)}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${SUITE:-trixie}
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap

if [ ! -x "$work/rootfs/bin/sh" ]; then
  debootstrap --variant=minbase "$suite" "$work/rootfs" "$mirror"
fi
rm -rf "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/var/cache/apt/"*.bin
tar -C "$work/rootfs" -c . | docker import - "dind-local/debian:$suite"

node_bin=$(readlink -f "$(command -v node)")
node_prefix=$(dirname "$(dirname "$node_bin")")
rm -rf "$work/node" && cp -a "$work/rootfs" "$work/node"
mkdir -p "$work/node/usr/local/bin" "$work/node/usr/local/lib" "$work/node/usr/local/include"
cp "$node_bin" "$work/node/usr/local/bin/node"
cp -a "$node_prefix/lib/node_modules" "$work/node/usr/local/lib/"
cp -a "$node_prefix/include/node" "$work/node/usr/local/include/"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$work/node/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$work/node/usr/local/bin/npx"
# npm in the build stage must trust what this machine trusts (a TLS-inspecting
# proxy's CA, for instance).
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  mkdir -p "$work/node/etc/ssl/certs" && cp /etc/ssl/certs/ca-certificates.crt "$work/node/etc/ssl/certs/"
fi
tar -C "$work/node" -c . | docker import \
  -c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  -c 'ENV npm_config_cafile=/etc/ssl/certs/ca-certificates.crt' \
  - "dind-local/node:20-$suite"
echo "made dind-local/debian:$suite and dind-local/node:20-$suite (work dir $work)"
