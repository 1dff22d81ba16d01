import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { headersAsSent } from '../upstream/headers-as-sent';
import { AdmissionGate } from './admission-gate';
import { DOCKER_API_OPTIONS, DockerApiOptions } from './docker-api.tokens';
import { readJsonBody } from './json-body.reader';
import { DaemonUnavailableError, PolicyDeniedError } from './policy-denied.error';
import { contextOf } from './request-context';

/**
 * The HTTP side of the admission gate: only an admitted request reaches the
 * proxy controller; a refusal is rendered by DockerErrorFilter.
 */
@Injectable()
export class DockerPolicyGuard implements CanActivate {
  constructor(
    private readonly gate: AdmissionGate,
    @Inject(DOCKER_API_OPTIONS) private readonly options: DockerApiOptions,
  ) {}

  async canActivate(executionContext: ExecutionContext): Promise<boolean> {
    const req = executionContext.switchToHttp().getRequest<IncomingMessage>();
    const context = contextOf(req);
    const admission = await this.gate.admit({
      context,
      method: req.method ?? 'GET',
      // The raw request target: no router in front rewrites it.
      path: req.url ?? '',
      socket: req.socket,
      hijacked: false,
      headers: headersAsSent(req),
      hasBody: true,
      readBody: () => readJsonBody(req, this.options.maxJsonBodyBytes, this.options.bodyTimeoutMs),
    });
    if (admission.outcome === 'unavailable') throw new DaemonUnavailableError(503, admission.message);
    if (admission.outcome === 'refused') throw new PolicyDeniedError(admission.denial, admission.route, admission.apiVersion);
    context.decision = admission.decision;
    return true;
  }
}
