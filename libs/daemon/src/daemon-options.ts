import { ConfigurableModuleBuilder } from '@nestjs/common';
import { DaemonCgroupOptions } from './daemon-cgroup';
import { EgressOptions } from './egress.firewall';
import type { DaemonRequirements } from './daemon-config';

export interface DaemonModuleOptions {
  /** `unix:///path` or `tcp://host:port` of a daemon we do not manage; unset = spawn dockerd. */
  readonly upstream?: string;
  readonly dockerdPath: string;
  readonly dataRoot: string;
  /** Private directory (mode 0700) for the daemon's socket, exec root and pidfile. */
  readonly runDir: string;
  readonly extraArgs: readonly string[];
  /** The operator's dockerd config file, read if present; the supervisor enforces its builder entitlements on top. */
  readonly configFile?: string;
  /** Written into the daemon's config on top of the operator's (see DaemonRequirements). */
  readonly requirements?: DaemonRequirements;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly restartBackoffMs: number;
  readonly restartBackoffMaxMs: number;
  /** More crashes than this within the window and the service gives up. */
  readonly maxRestarts: number;
  readonly restartWindowMs: number;
  /** Once ready, the daemon is pinged this often (0: not watched). */
  readonly watchIntervalMs?: number;
  /** This many missed pings in a row and a managed dockerd is restarted. */
  readonly watchFailures?: number;
  /** The daemon's group and the kernel rules that bind it; unset: dockerd runs with ours and nothing is enforced. */
  readonly egress?: EgressOptions;
  /** The cgroup dockerd and all it starts are confined to; unset: the service's own. */
  readonly cgroup?: DaemonCgroupOptions;
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: DAEMON_OPTIONS } =
  new ConfigurableModuleBuilder<DaemonModuleOptions>().setClassMethodName('forRoot').build();
