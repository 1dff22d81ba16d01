import { daemonCgroupName, DaemonModuleOptions } from '@dind/daemon';
import { PolicyOptions } from '@dind/policy';
import { AppConfig } from './app-config';

/** The supervisor's options, from the one validated config and what the policy needs of the daemon. */
export function daemonModuleOptions(config: AppConfig, policy: Pick<PolicyOptions, 'ownership'>): DaemonModuleOptions {
  return {
    upstream: config.DOCKER_UPSTREAM || undefined,
    dockerdPath: config.DOCKERD_PATH,
    dataRoot: config.DOCKER_DATA_ROOT,
    runDir: config.DOCKERD_RUN_DIR,
    extraArgs: config.dockerdArgs,
    configFile: config.DOCKERD_CONFIG_FILE,
    // Clients that must not touch each other's containers must not reach them either.
    requirements: { isolateDefaultBridge: policy.ownership },
    startTimeoutMs: config.DOCKERD_START_TIMEOUT_MS,
    stopTimeoutMs: config.DOCKERD_STOP_TIMEOUT_MS,
    restartBackoffMs: config.DOCKERD_RESTART_BACKOFF_MS,
    restartBackoffMaxMs: config.DOCKERD_RESTART_BACKOFF_MAX_MS,
    maxRestarts: config.DOCKERD_MAX_RESTARTS,
    restartWindowMs: config.DOCKERD_RESTART_WINDOW_MS,
    watchIntervalMs: config.DOCKERD_WATCH_INTERVAL_MS,
    watchFailures: config.DOCKERD_WATCH_FAILURES,
    egress: { enforcement: config.EGRESS_ENFORCEMENT, gid: config.DOCKERD_EGRESS_GID, denyCidrs: config.egressDenyCidrs },
    cgroup: {
      mode: config.DOCKERD_CGROUP,
      name: daemonCgroupName(config.DOCKERD_RUN_DIR),
      pidsMax: config.DOCKERD_PIDS_MAX,
      memoryMaxBytes: config.DOCKERD_MEMORY_MAX_BYTES > 0 ? config.DOCKERD_MEMORY_MAX_BYTES : undefined,
    },
  };
}
