import { Inject, Injectable } from '@nestjs/common';
import { AllowedRequest, DockerPolicy, HeaderValue, PolicyDenial, RouteRow } from '@dind/policy';
import { DockerdSupervisor } from '@dind/daemon';
import { DaemonSideChecks } from './daemon-side.checks';
import { DenialReporter } from './denial-reporter';
import { Exchange } from './request-context';
import { DOCKER_POLICY } from '../core/core.tokens';
import { clientIdentityOf } from '../identity/client-identity';

/** A request as the gate reads it; each transport says how its body is read. */
export interface GateRequest extends Exchange {
  readonly headers: Readonly<Record<string, HeaderValue>>;
  /** The client sent a body (a Content-Length above 0, or chunked). */
  readonly hasBody: boolean;
  /** Reads a body that must be validated, within the size and time limits. */
  readBody(): Promise<Buffer | PolicyDenial>;
}

export type Admission =
  | { readonly outcome: 'admitted'; readonly decision: AllowedRequest }
  | { readonly outcome: 'refused'; readonly denial: PolicyDenial; readonly route?: RouteRow; readonly apiVersion?: string }
  /** The daemon is not ready: nothing was judged. */
  | { readonly outcome: 'unavailable'; readonly message: string };

/**
 * Why the daemon cannot take a request now, or undefined when it can. Asked
 * first by the gate and again by each transport right before it forwards:
 * admission may wait for a body and for the daemon, and the daemon may have
 * begun a restart meanwhile.
 */
export function daemonUnavailable(supervisor: Pick<DockerdSupervisor, 'state'>): string | undefined {
  return supervisor.state === 'ready' ? undefined : `dind-service: the docker daemon is ${supervisor.state}; try again shortly`;
}

/**
 * The admission of every Docker API request, plain or upgraded, in one order:
 * the daemon's readiness, the route, whether it may be upgraded, the body, the
 * policy's decision, and what only the daemon can say (settle). Both transports
 * call this and only render its outcome.
 */
@Injectable()
export class AdmissionGate {
  constructor(
    @Inject(DOCKER_POLICY) private readonly policy: DockerPolicy,
    private readonly supervisor: DockerdSupervisor,
    private readonly daemonSide: DaemonSideChecks,
    private readonly reporter: DenialReporter,
  ) {}

  async admit(request: GateRequest): Promise<Admission> {
    const unavailable = daemonUnavailable(this.supervisor);
    if (unavailable) return { outcome: 'unavailable', message: unavailable };
    const { method, path: url } = request;
    const resolved = this.policy.resolve(method, url);
    if ('rule' in resolved) return { outcome: 'refused', denial: resolved };
    const route = resolved.match.row;
    const refused = (denial: PolicyDenial, row: RouteRow = route, apiVersion = resolved.apiVersion): Admission => ({ outcome: 'refused', denial, route: row, apiVersion });
    if (request.hijacked) {
      if (!route.hijack) return refused({ status: 403, rule: 'route.upgrade', reason: 'this endpoint cannot be upgraded', field: `${method} ${url}` });
      // The daemon reads no body on these routes; the bytes would become stream input nobody checked.
      if (route.body !== 'json' && request.hasBody) {
        return refused({ status: 400, rule: 'body.framing', reason: 'an upgrade request to this endpoint carries no body', field: 'Content-Length' });
      }
    }
    let body: Buffer | undefined;
    if (route.body === 'json') {
      const read = await request.readBody();
      if (!Buffer.isBuffer(read)) return refused(read);
      body = read;
    }
    const client = clientIdentityOf(request.socket).name;
    const decided = this.policy.decide({ method, url, headers: request.headers, body, client }, resolved);
    if (!decided.allowed) return refused(decided.denial, decided.route, decided.apiVersion);
    const decision = await this.daemonSide.settle(decided);
    if ('rule' in decision) return refused(decision, decided.route, decided.apiVersion);
    if (decision.wouldDeny) this.reporter.wouldDeny(request, decision.wouldDeny);
    return { outcome: 'admitted', decision };
  }
}
