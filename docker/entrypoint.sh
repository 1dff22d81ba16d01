#!/bin/sh
# Prepares what a Docker-in-Docker container needs before dockerd starts, then
# runs the service (which starts and supervises dockerd). Arguments are dockerd
# arguments.
set -eu

say() { echo "dind-entrypoint: $*" >&2; }
SERVICE="/opt/dind-service/bin/dind-service"

# Sidecar mode: another container runs dockerd; the proxy needs no privileges
# and no cgroup or mount set-up.
if [ -n "${DOCKER_UPSTREAM:-}" ]; then
  exec $SERVICE -- "$@"
fi

# CAP_SYS_ADMIN (bit 21) and CAP_NET_ADMIN (bit 12) are the least dockerd needs
# to mount, make namespaces and set up its bridge.
cap_eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
if [ $(( 0x$cap_eff >> 21 & 1 )) -ne 1 ] || [ $(( 0x$cap_eff >> 12 & 1 )) -ne 1 ]; then
  say "this container lacks the privileges to run dockerd (CapEff=$cap_eff)."
  say "start it with --privileged (docker run --privileged …, or securityContext.privileged: true)."
  exit 1
fi

if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  # cgroup v2: processes may not live in a cgroup whose controllers are delegated
  # to children, so move everything out of the root first (as docker's own dind
  # entrypoint does), then enable every controller for the nested cgroups.
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
  sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null \
    || say "could not delegate cgroup v2 controllers; nested containers may fail to start"
elif [ -d /sys/fs/cgroup ] && ! mountpoint -q /sys/fs/cgroup 2>/dev/null; then
  # cgroup v1 without a mounted hierarchy: mount one per controller.
  mount -t tmpfs -o uid=0,gid=0,mode=0755 cgroup /sys/fs/cgroup
  for controller in $(awk '!/^#/ { if ($4 == 1) print $1 }' /proc/cgroups); do
    mkdir -p "/sys/fs/cgroup/$controller"
    mountpoint -q "/sys/fs/cgroup/$controller" || mount -n -t cgroup -o "$controller" cgroup "/sys/fs/cgroup/$controller" || :
  done
else
  # cgroup v1 hierarchies mounted read-only (a container started with added
  # capabilities rather than --privileged): dockerd must create its cgroups, so
  # mount each hierarchy again, writable, as --privileged would have it.
  awk '$3 == "cgroup" && $4 ~ /(^|,)ro(,|$)/ { print $2, $4 }' /proc/self/mounts | while read -r mount_point options; do
    controllers=$(echo "$options" | tr ',' '\n' | grep -vE '^(ro|rw|nosuid|nodev|noexec|relatime)$' | paste -sd, -)
    umount "$mount_point" && mount -t cgroup -o "rw,nosuid,nodev,noexec,$controllers" cgroup "$mount_point" \
      || say "could not make $mount_point writable; nested containers may fail to start"
  done
fi

# cgroup v1 without a cgroup namespace (the v1 default, and what the remount
# above gives): the hierarchies show the host's root, where dockerd would create
# /docker/<id> beside this container instead of inside it, out of reach of the
# limits set on this container. Nest the inner containers under our own cgroup,
# unless the operator chose a parent.
if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
  own=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup)
  case " $* " in *" --cgroup-parent"*) own="" ;; esac
  if [ -n "$own" ] && [ "$own" != "/" ] && [ -d "/sys/fs/cgroup/memory$own" ]; then
    say "cgroup v1 shows the host's hierarchy; inner containers go under $own/dind"
    set -- "--cgroup-parent=$own/dind" "$@"
  fi
fi

# dockerd sets up its bridges with iptables. Debian's default backend is
# nf_tables; on a host kernel without it, use the legacy tables.
if ! iptables -nL >/dev/null 2>&1 && iptables-legacy -nL >/dev/null 2>&1; then
  say "iptables (nf_tables) does not work here; using iptables-legacy"
  update-alternatives --set iptables /usr/sbin/iptables-legacy >/dev/null
  update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy >/dev/null 2>&1 || :
fi

# Mounts made by dockerd (volumes, overlay layers) must propagate to the
# containers it starts.
mount --make-rshared / 2>/dev/null || say "could not make / rshared; volume mounts may not propagate"

# Streams and client connections each hold file descriptors (docs/operations.md, "Load limits").
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || say "could not raise the open-file limit (ulimit -n $(ulimit -n))"

# A container restart leaves pidfiles of processes that no longer exist.
rm -f /var/run/docker.pid /run/docker/containerd/containerd.pid

exec $SERVICE -- "$@"
