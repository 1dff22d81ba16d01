#!/usr/bin/env bash
# Fetches a Docker engine from Debian's packages into a cache directory and
# prints the path of its dockerd as the last line. Nothing is installed: a
# private apt state directory and `dpkg-deb -x` keep the system's packages as
# they are. The engine's containerd and shims sit next to its dockerd (the
# supervisor puts them on the daemon's PATH); runc comes from the system.
#
#   scripts/engine.sh 26            # Docker 26.1 (API 1.45), containerd 1.7, the 26.1 CLI, buildx
#   DOCKERD_PATH=$(scripts/engine.sh 26 | tail -1) npm start
#
# The cache is DIND_ENGINE_CACHE (default ~/.cache/dind-service/engines).
set -euo pipefail

version=${1:-}
case "$version" in
  26) suite=trixie ;;
  *) echo "usage: $0 26" >&2; exit 2 ;;
esac
packages=(docker.io containerd docker-cli docker-buildx)

cache="${DIND_ENGINE_CACHE:-${HOME:-/root}/.cache/dind-service/engines}/$version"
root="$cache/root"
if [ -f "$cache/.complete" ] && [ -x "$root/usr/sbin/dockerd" ]; then
  echo "$root/usr/sbin/dockerd"
  exit 0
fi

# The mirror this machine already uses for Debian, with the newer suite.
mirror=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n' | grep -v -- '-security' | head -n1 || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
if [ -z "$mirror" ]; then
  echo "no Debian mirror found in /etc/apt/sources.list{,.d}: this script needs a Debian apt configuration" >&2
  exit 1
fi

state="$cache/apt"
rm -rf "$state" "$root" "$cache/debs"
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$cache/debs" "$root"
touch "$state/status"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" > "$state/sources.list"
apt_options=(
  -o "Dir::Etc::SourceList=$state/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State=$state" -o "Dir::State::Lists=$state/lists" -o "Dir::State::status=$state/status"
  -o "Dir::Cache=$state/cache" -o Debug::NoLocking=1
)
echo "fetching ${packages[*]} from $suite into $cache" >&2
apt-get "${apt_options[@]}" update -qq >&2
(cd "$cache/debs" && apt-get "${apt_options[@]}" download "${packages[@]}" >&2)
for deb in "$cache"/debs/*.deb; do dpkg-deb -x "$deb" "$root"; done
# The CLI finds buildx among its plugins next to where it was unpacked.
if [ -x "$root/usr/libexec/docker/cli-plugins/docker-buildx" ]; then
  mkdir -p "$root/cli-plugins"
  ln -sf "$root/usr/libexec/docker/cli-plugins/docker-buildx" "$root/cli-plugins/docker-buildx"
fi
"$root/usr/sbin/dockerd" --version >&2
touch "$cache/.complete"
echo "$root/usr/sbin/dockerd"
