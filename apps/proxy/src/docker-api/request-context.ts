import { AllowedRequest } from '@dind/policy';
import { randomBytes } from 'node:crypto';
import { ClientRequest, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { ResponseCapture } from './created-object';

/** Why the proxy itself cut the daemon side of a request. */
export type UpstreamCut = 'body-denied' | 'client-gone' | 'pool-exhausted' | 'body-stalled';

/** What the proxy knows about a request while it is handled. */
export interface RequestContext {
  readonly requestId: string;
  readonly startedAt: number;
  decision?: AllowedRequest;
  /** Carried on a pooled daemon connection (else on one of its own). */
  pooled?: boolean;
  /** The daemon side of a forwarded request, while it lasts. */
  upstreamRequest?: ClientRequest;
  upstreamResponse?: IncomingMessage;
  cut?: UpstreamCut;
  /** Reads the id of the object a create request made from the daemon's answer. */
  capture?: ResponseCapture;
}

// A symbol key keeps it out of anything a client could set.
const CONTEXT = Symbol('dind.request');

type WithContext = IncomingMessage & { [CONTEXT]?: RequestContext };

// Random bytes drawn in batches: one call per request cost 2 % of a busy service's time.
const ID_BYTES = 8;
let entropy = Buffer.alloc(0);
let used = 0;

export function newRequestId(): string {
  if (used + ID_BYTES > entropy.length) {
    entropy = randomBytes(ID_BYTES * 512);
    used = 0;
  }
  used += ID_BYTES;
  return entropy.toString('hex', used - ID_BYTES, used);
}

/** The request's context, created on first use. */
export function contextOf(req: IncomingMessage): RequestContext {
  const holder = req as WithContext;
  holder[CONTEXT] ??= { requestId: newRequestId(), startedAt: performance.now() };
  return holder[CONTEXT];
}

/** A request as the records show it. */
export interface Exchange {
  readonly context: RequestContext;
  readonly method: string;
  /** The raw request target. */
  readonly path: string;
  /** The client's connection: its identity names it. */
  readonly socket: Socket;
  /** Arrived as an upgrade (attach, exec start, BuildKit sessions). */
  readonly hijacked: boolean;
}
