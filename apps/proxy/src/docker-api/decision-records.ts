import { AllowedRequest, denialMessage, PolicyDenial, RouteRow } from '@dind/policy';
import { DecisionRecord } from '../observability/decision-record';
import { RequestContext } from './request-context';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly client: string;
  readonly hijacked: boolean;
}

const routeOf = (route?: RouteRow) => (route ? route.template : 'unmatched');
const classOf = (route: RouteRow | undefined, hijacked: boolean): DecisionRecord['routeClass'] =>
  !route ? 'unmatched' : hijacked ? 'hijacked' : route.class;

export function deniedRecord(context: RequestContext, seen: Seen, denial: PolicyDenial, route?: RouteRow, apiVersion?: string): DecisionRecord {
  return {
    time: new Date().toISOString(),
    requestId: context.requestId,
    client: seen.client,
    method: seen.method,
    route: routeOf(route),
    routeClass: classOf(route, seen.hijacked),
    path: seen.path,
    apiVersion,
    decision: 'denied',
    rules: [denial.rule],
    messages: [denialMessage(denial)],
    status: denial.status,
    durationMs: performance.now() - context.startedAt,
  };
}

export function allowedRecord(context: RequestContext, seen: Seen, decision: AllowedRequest, status: number, objectId?: string): DecisionRecord {
  const would = decision.wouldDeny;
  return {
    time: new Date().toISOString(),
    requestId: context.requestId,
    client: seen.client,
    method: seen.method,
    route: decision.route.template,
    routeClass: classOf(decision.route, seen.hijacked),
    path: seen.path,
    apiVersion: decision.apiVersion,
    decision: would ? 'dry-run-denied' : 'allowed',
    rules: would ? [would.rule] : [],
    messages: would ? [denialMessage(would)] : [],
    status,
    ...(decision.droppedFields ? { droppedFields: decision.droppedFields } : {}),
    objectId,
    durationMs: performance.now() - context.startedAt,
  };
}
