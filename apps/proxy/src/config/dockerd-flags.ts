/**
 * dockerd's command line read the way dockerd reads it (spf13/pflag, as cobra
 * sets it up): `--name=value`, `--name value` for flags that take a value,
 * shorthands combined (`-DH tcp://…`), with the value attached (`-Htcp://…`,
 * `-H=tcp://…`) or in the next argument, and `--` ending the flags. An operator's
 * extra arguments must not add a listener or move the daemon's private paths,
 * however they are spelled.
 */

// Long flags of dockerd 20.10 and 26.1 that take a value (from `dockerd --help`,
// plus hidden and newer ones). A long flag not listed is read as taking none:
// its next argument is then judged as an argument of its own, which can only
// refuse more, never less.
const TAKES_VALUE = new Set([
  'add-runtime', 'allow-nondistributable-artifacts', 'api-cors-header', 'authorization-plugin', 'bip', 'bridge',
  'cdi-spec-dir', 'cgroup-parent', 'config-file', 'containerd', 'containerd-namespace', 'containerd-plugins-namespace',
  'cpu-rt-period', 'cpu-rt-runtime', 'data-root', 'default-address-pool', 'default-cgroupns-mode', 'default-gateway',
  'default-gateway-v6', 'default-ipc-mode', 'default-network-opt', 'default-runtime', 'default-shm-size', 'default-ulimit',
  'dns', 'dns-opt', 'dns-search', 'exec-opt', 'exec-root', 'feature', 'fixed-cidr', 'fixed-cidr-v6', 'graph', 'group',
  'host', 'host-gateway-ip', 'http-proxy', 'https-proxy', 'init-path', 'insecure-registry', 'ip', 'label', 'log-driver',
  'log-format', 'log-level', 'log-opt', 'max-concurrent-downloads', 'max-concurrent-uploads', 'max-download-attempts',
  'metrics-addr', 'mtu', 'network-control-plane-mtu', 'no-proxy', 'node-generic-resource', 'oom-score-adjust', 'pidfile',
  'registry-mirror', 'seccomp-profile', 'shutdown-timeout', 'storage-driver', 'storage-opt', 'swarm-default-advertise-addr',
  'tlscacert', 'tlscert', 'tlskey', 'userland-proxy-path', 'userns-remap',
]);

// Every shorthand dockerd defines (`-g` is the hidden, deprecated --graph).
const SHORTHANDS: Readonly<Record<string, string>> = {
  b: 'bridge', D: 'debug', G: 'group', g: 'graph', H: 'host', h: 'help', l: 'log-level', p: 'pidfile', s: 'storage-driver', v: 'version',
};

// dind-service owns these: a second listener would expose the unfiltered
// daemon, and the paths are where the supervisor looks for the daemon it runs.
// --config-file: the supervisor writes the daemon's config (DOCKERD_CONFIG_FILE
// merged with the builder entitlements it enforces).
const RESERVED = new Set(['host', 'tls', 'tlsverify', 'tlscacert', 'tlscert', 'tlskey', 'data-root', 'graph', 'exec-root', 'pidfile', 'group', 'config-file']);

export interface DockerdFlag {
  readonly name: string;
  readonly value?: string;
  /** The argument(s) it was read from. */
  readonly spelled: string;
}

/** The flags in `args`, or the reason dockerd's own reading could differ from ours. */
export function readDockerdFlags(args: readonly string[]): { flags: DockerdFlag[]; problems: string[] } {
  const flags: DockerdFlag[] = [];
  const problems: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--' || !arg.startsWith('-') || arg === '-') {
      // dockerd takes no positional arguments; after `--` everything is one.
      problems.push(`dockerd argument ${JSON.stringify(arg)}: not a flag (dockerd takes no arguments; write flags that take a value as --name=value)`);
      continue;
    }
    if (arg.startsWith('--')) {
      const body = arg.slice(2);
      const equals = body.indexOf('=');
      const name = equals >= 0 ? body.slice(0, equals) : body;
      if (equals >= 0) flags.push({ name, value: body.slice(equals + 1), spelled: arg });
      else if (TAKES_VALUE.has(name) && i + 1 < args.length) flags.push({ name, value: args[++i], spelled: `${arg} ${args[i]}` });
      else flags.push({ name, spelled: arg });
      continue;
    }
    // Shorthands: each character is a flag until one takes a value; that one
    // takes the rest of the argument (without a leading '='), or the next one.
    const shorthands = arg.slice(1);
    for (let j = 0; j < shorthands.length; j++) {
      const name = SHORTHANDS[shorthands[j]];
      if (!name) {
        problems.push(`dockerd argument ${arg}: unknown shorthand -${shorthands[j]}`);
        break;
      }
      if (!TAKES_VALUE.has(name)) {
        flags.push({ name, spelled: arg });
        continue;
      }
      const rest = shorthands.slice(j + 1);
      if (rest.length > 0) flags.push({ name, value: rest.startsWith('=') ? rest.slice(1) : rest, spelled: arg });
      else if (i + 1 < args.length) flags.push({ name, value: args[++i], spelled: `${arg} ${args[i]}` });
      else flags.push({ name, spelled: arg });
      break;
    }
  }
  return { flags, problems };
}

/** Problems with the operator's extra dockerd arguments: reserved flags, however spelled, and ambiguous arguments. */
export function dockerdArgumentProblems(args: readonly string[]): string[] {
  const { flags, problems } = readDockerdFlags(args);
  for (const flag of flags) {
    if (RESERVED.has(flag.name)) {
      problems.push(`dockerd argument ${flag.spelled}: --${flag.name} is set by dind-service itself (an extra listener or path would bypass the proxy)`);
    }
  }
  return problems;
}
