import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { DockerPolicy } from '@dind/policy';
import type { Request } from 'express';
import { DOCKER_API_OPTIONS, DOCKER_POLICY, DockerApiOptions } from './docker-api.tokens';
import { DaemonSideChecks } from './daemon-side.checks';
import { clientOf } from './docker-error.filter';
import { logWouldDeny } from './dry-run.log';
import { readJsonBody } from './json-body.reader';
import { PolicyDeniedError } from './policy-denied.error';
import { policyHeaders } from './policy-headers';
import { contextOf } from './request-context';

/**
 * Classifies every Docker API request against the route table and, for
 * validated routes, reads and validates the body. Only an allowed request
 * reaches the proxy controller.
 */
@Injectable()
export class DockerPolicyGuard implements CanActivate {
  constructor(
    @Inject(DOCKER_POLICY) private readonly policy: DockerPolicy,
    @Inject(DOCKER_API_OPTIONS) private readonly options: DockerApiOptions,
    private readonly daemonSide: DaemonSideChecks,
  ) {}

  async canActivate(executionContext: ExecutionContext): Promise<boolean> {
    const req = executionContext.switchToHttp().getRequest<Request>();
    const context = contextOf(req);
    // originalUrl: the raw request target; Express may rewrite req.url.
    const url = req.originalUrl;
    const resolved = this.policy.resolve(req.method, url);
    if ('rule' in resolved) throw new PolicyDeniedError(resolved);
    let body: Buffer | undefined;
    if (resolved.match.row.body === 'json') {
      const read = await readJsonBody(req, this.options.maxJsonBodyBytes, this.options.bodyTimeoutMs);
      if (!Buffer.isBuffer(read)) throw new PolicyDeniedError(read, resolved.match.row, resolved.apiVersion);
      body = read;
    }
    const decided = this.policy.decide({ method: req.method, url, headers: policyHeaders(req), body }, resolved);
    if (!decided.allowed) throw new PolicyDeniedError(decided.denial, decided.route, decided.apiVersion);
    const decision = await this.daemonSide.settle(decided);
    if ('rule' in decision) throw new PolicyDeniedError(decision, decided.route, decided.apiVersion);
    if (decision.wouldDeny) logWouldDeny(context.requestId, decision.wouldDeny, req.method, url, clientOf(req));
    context.decision = decision;
    return true;
  }
}
