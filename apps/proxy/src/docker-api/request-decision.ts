import { AllowedRequest } from '@dind/policy';
import { IncomingMessage } from 'node:http';

// The guard's verdict travels with the request to the controller; a symbol key
// keeps it out of anything a client could set.
const DECISION = Symbol('dind.decision');

type WithDecision = IncomingMessage & { [DECISION]?: AllowedRequest };

export function attachDecision(req: IncomingMessage, decision: AllowedRequest): void {
  (req as WithDecision)[DECISION] = decision;
}

export function decisionOf(req: IncomingMessage): AllowedRequest | undefined {
  return (req as WithDecision)[DECISION];
}
