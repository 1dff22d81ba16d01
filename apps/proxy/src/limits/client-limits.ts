import { PolicyDenial } from '@dind/policy';
import { Socket } from 'node:net';
import { clientIdentityOf } from '../identity/client-identity';

export interface ClientLimitSettings {
  /** Concurrent connections one client may hold. */
  readonly clientMaxConnections: number;
  /** Concurrent long-lived streams (follow streams, transfers, hijacks) one client may hold. */
  readonly clientMaxStreams: number;
  /** Long-lived streams the whole service holds: each is a daemon connection of its own. */
  readonly maxStreams: number;
  /**
   * Pooled daemon connections one client may hold at once. A client that reads
   * its answers slowly (or not at all) keeps the connections that carry them; past
   * its share, its short requests are carried like streams (own connection,
   * counted against its stream limit) so the pool stays free for the others.
   */
  readonly clientMaxPooled: number;
}

/** Names of the limits, as the refusal message and the metrics label spell them. */
export type LimitName =
  | 'client-connections'
  | 'client-streams'
  | 'service-streams'
  | 'header-timeout'
  | 'body-timeout'
  | 'header-size'
  | 'upstream-pool';

export interface LimitRefusal {
  readonly limit: LimitName;
  readonly status: 408 | 429 | 431 | 503;
  /** Names the limit's setting, so that an operator knows what to raise. */
  readonly message: string;
}

/**
 * A refused request is reported like a policy denial (one reporter: log line,
 * audit record, metrics), under the rule `limit.<name>`.
 */
export function limitDenial(refusal: LimitRefusal): PolicyDenial {
  return { status: refusal.status, rule: `limit.${refusal.limit}`, reason: refusal.message };
}

/** Who a connection belongs to, as limits count it: its identity (clientIdentityOf). */
export function clientKeyOf(socket: Socket): string {
  return clientIdentityOf(socket).name;
}

/**
 * Per-client fairness: how many connections and long-lived streams each client
 * holds, so that one client cannot take what the others need.
 */
export class ClientLimits {
  private readonly connections = new Map<string, number>();
  private readonly streams = new Map<string, number>();
  private readonly pooled = new Map<string, number>();
  private streamsTotal = 0;

  constructor(private readonly settings: ClientLimitSettings) {}

  /** Counts the connection until it closes, or says which limit refuses it. */
  admitConnection(socket: Socket): LimitRefusal | undefined {
    const client = clientKeyOf(socket);
    const held = this.connections.get(client) ?? 0;
    if (held >= this.settings.clientMaxConnections) {
      return {
        limit: 'client-connections',
        status: 429,
        message: `too many connections from ${client}: at most ${this.settings.clientMaxConnections} at once (limit CLIENT_MAX_CONNECTIONS)`,
      };
    }
    this.connections.set(client, held + 1);
    socket.once('close', () => decrement(this.connections, client));
    return undefined;
  }

  /** A stream slot for `client`, released by calling the returned function (once). */
  acquireStream(client: string): (() => void) | LimitRefusal {
    if (this.streamsTotal >= this.settings.maxStreams) {
      return {
        limit: 'service-streams',
        status: 503,
        message: `the service holds ${this.settings.maxStreams} long-lived streams already (limit MAX_STREAMS); try again later`,
      };
    }
    const held = this.streams.get(client) ?? 0;
    if (held >= this.settings.clientMaxStreams) {
      return {
        limit: 'client-streams',
        status: 429,
        message: `too many long-lived streams (follow, attach, exec, transfers) from ${client}: at most ${this.settings.clientMaxStreams} at once (limit CLIENT_MAX_STREAMS)`,
      };
    }
    this.streams.set(client, held + 1);
    this.streamsTotal++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.streamsTotal--;
      decrement(this.streams, client);
    };
  }

  /** A share of the pool for `client`, or undefined when it holds its share already. */
  acquirePooled(client: string): (() => void) | undefined {
    const held = this.pooled.get(client) ?? 0;
    if (held >= this.settings.clientMaxPooled) return undefined;
    this.pooled.set(client, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      decrement(this.pooled, client);
    };
  }

  get openStreams(): number {
    return this.streamsTotal;
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left <= 0) counts.delete(key);
  else counts.set(key, left);
}
