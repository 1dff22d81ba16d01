export const ADMIN_OPTIONS = 'ADMIN_OPTIONS';

export interface AdminOptions {
  readonly token: string;
  /** The admin listener's bind address. */
  readonly host: string;
  readonly metricsRequireToken: boolean;
  readonly auditStrict: boolean;
  /** Deadline of readiness's `_ping` through the forwarding pool. */
  readonly readyTimeoutMs: number;
}
