import { AllowedRequest, denialMessage, PolicyDenial, RouteRow } from '@dind/policy';
import { DecisionRecord } from '../observability/decision-record';
import { clientIdentityOf } from '../identity/client-identity';
import { Exchange } from './request-context';

const routeOf = (route?: RouteRow) => (route ? route.template : 'unmatched');
const classOf = (route: RouteRow | undefined, hijacked: boolean): DecisionRecord['routeClass'] =>
  !route ? 'unmatched' : hijacked ? 'hijacked' : route.class;

export function deniedRecord(exchange: Exchange, denial: PolicyDenial, route?: RouteRow, apiVersion?: string): DecisionRecord {
  const { context } = exchange;
  return {
    time: new Date().toISOString(),
    requestId: context.requestId,
    client: clientIdentityOf(exchange.socket).label,
    method: exchange.method,
    route: routeOf(route),
    routeClass: classOf(route, exchange.hijacked),
    path: exchange.path,
    apiVersion,
    decision: 'denied',
    rules: [denial.rule],
    messages: [denialMessage(denial)],
    status: denial.status,
    durationMs: performance.now() - context.startedAt,
  };
}

export function allowedRecord(exchange: Exchange, decision: AllowedRequest, status: number, objectId?: string): DecisionRecord {
  const { context } = exchange;
  const would = decision.wouldDeny;
  return {
    time: new Date().toISOString(),
    requestId: context.requestId,
    client: clientIdentityOf(exchange.socket).label,
    method: exchange.method,
    route: decision.route.template,
    routeClass: classOf(decision.route, exchange.hijacked),
    path: exchange.path,
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
