import { lstatSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppConfig } from './app-config';
import { isIpLiteral } from './listen-address';

// Shared system directories: the supervisor reaps every process that names its
// run directory, and removes and recreates files there.
const SHARED_DIRECTORIES = new Set(['/', '/run', '/var/run', '/tmp', '/var/tmp', '/var', '/var/lib', '/etc', '/usr', '/opt', '/home', '/root', '/dev', '/proc', '/sys']);

/**
 * What the listeners and the run directory are allowed to be. Each of these was
 * accepted once and did harm: a world-writable or setuid socket mode, a socket
 * path over a regular file (deleted at start) or over the daemon's own socket (the
 * proxy then forwards to itself), a host name as a bind address (loopback was
 * decided from its spelling), `/run` as the run directory (every process naming a
 * path in it counted as ours).
 */
export function listenerProblems(config: AppConfig): string[] {
  const problems: string[] = [];
  const mode = parseInt(config.SOCKET_MODE, 8);
  // Connecting to a unix socket needs write permission: an "other" bit hands the
  // API to every user of the host; execute and special bits mean nothing on a socket.
  if (Number.isNaN(mode) || (mode & ~0o660) !== 0) {
    problems.push(`SOCKET_MODE=${config.SOCKET_MODE}: only owner and group read/write bits are allowed (e.g. 660 or 600)`);
  }
  for (const [name, value] of [['HOST', config.HOST], ['ADMIN_HOST', config.ADMIN_HOST]] as const) {
    if (!isIpLiteral(value)) problems.push(`${name}=${JSON.stringify(value)}: must be an IP address (e.g. 0.0.0.0, 127.0.0.1 or ::)`);
  }
  const runDir = resolve(config.DOCKERD_RUN_DIR);
  if (SHARED_DIRECTORIES.has(runDir) || runDir.split('/').filter(Boolean).length < 2) {
    problems.push(`DOCKERD_RUN_DIR=${config.DOCKERD_RUN_DIR}: must be a directory of dind-service's own (such as /run/dind-service-dockerd), not a shared one`);
  }
  if (config.SOCKET_PATH !== '') problems.push(...socketPathProblems(config, runDir));
  return problems;
}

function socketPathProblems(config: AppConfig, runDir: string): string[] {
  const path = resolve(config.SOCKET_PATH);
  const daemonSockets = [join(runDir, 'docker.sock')];
  if (config.DOCKER_UPSTREAM.startsWith('unix://')) daemonSockets.push(resolve(config.DOCKER_UPSTREAM.slice('unix://'.length)));
  if (daemonSockets.includes(path)) return [`SOCKET_PATH=${config.SOCKET_PATH}: is the daemon's own socket (the proxy would replace it and forward to itself)`];
  if (path === runDir || path.startsWith(`${runDir}/`)) return [`SOCKET_PATH=${config.SOCKET_PATH}: must not lie in DOCKERD_RUN_DIR (the daemon's private directory)`];
  try {
    const existing = lstatSync(path);
    // A stale socket from an earlier run is replaced; anything else is someone's file.
    if (!existing.isSocket()) return [`SOCKET_PATH=${config.SOCKET_PATH}: exists and is not a socket (it would be deleted)`];
  } catch {
    // Does not exist: it will be created.
  }
  return [];
}
