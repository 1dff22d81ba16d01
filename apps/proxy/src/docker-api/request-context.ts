import { AllowedRequest } from '@dind/policy';
import { randomBytes } from 'node:crypto';
import { IncomingMessage } from 'node:http';

/** What the proxy knows about a request while it is handled. */
export interface RequestContext {
  readonly requestId: string;
  readonly startedAt: number;
  decision?: AllowedRequest;
}

// A symbol key keeps it out of anything a client could set.
const CONTEXT = Symbol('dind.request');

type WithContext = IncomingMessage & { [CONTEXT]?: RequestContext };

export function newRequestId(): string {
  return randomBytes(8).toString('hex');
}

/** The request's context, created on first use. */
export function contextOf(req: IncomingMessage): RequestContext {
  const holder = req as WithContext;
  holder[CONTEXT] ??= { requestId: newRequestId(), startedAt: performance.now() };
  return holder[CONTEXT];
}
