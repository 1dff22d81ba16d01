/** One decision about one request: what metrics count and the audit log keeps. */
export interface DecisionRecord {
  readonly time: string;
  readonly requestId: string;
  readonly client: string;
  readonly method: string;
  /** The route template (bounded), or 'unmatched'. */
  readonly route: string;
  readonly routeClass: 'passthrough' | 'validated' | 'denied' | 'hijacked' | 'unmatched';
  readonly path: string;
  readonly apiVersion?: string;
  readonly decision: 'allowed' | 'denied' | 'dry-run-denied';
  readonly rules: readonly string[];
  readonly messages: readonly string[];
  /** The status the client got (the daemon's, or ours for a denial); 0 if the client went away first. */
  readonly status: number;
  /** Body keys the daemon's decoder maps to no field (dockerode's `hijack`): dropped, never forwarded. */
  readonly droppedFields?: readonly string[];
  /** The container, exec, volume, network or image the response named. */
  readonly objectId?: string;
  readonly durationMs: number;
  /**
   * 'admitted': written before the request reached the daemon (status 0), and
   * completed in place by its final record; left as is, the request (or the
   * hijacked session) was still running or the service died while it ran.
   */
  readonly phase?: 'admitted' | 'final';
}
