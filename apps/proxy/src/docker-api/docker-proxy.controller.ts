import { Injectable, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DockerdSupervisor } from '@dind/daemon';
import { daemonUnavailable } from './admission-gate';
import { DockerErrorFilter } from './docker-error.filter';
import { DaemonUnavailableError } from './policy-denied.error';
import { DockerPolicyGuard } from './docker-policy.guard';
import { contextOf } from './request-context';
import { UpstreamProxy } from './upstream-proxy.service';

/**
 * Every Docker API request: the guard decides, this streams what it allowed.
 * One method for every path, so no router: the listeners call it through
 * controllerListener, with its guard and filter, as Nest calls a route.
 */
@Injectable()
@UseGuards(DockerPolicyGuard)
@UseFilters(DockerErrorFilter)
export class DockerProxyController {
  constructor(
    private readonly upstream: UpstreamProxy,
    private readonly supervisor: DockerdSupervisor,
  ) {}

  proxy(@Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    const context = contextOf(req);
    if (!context.decision) throw new Error('request reached the proxy without a policy decision');
    const unavailable = daemonUnavailable(this.supervisor);
    if (unavailable) throw new DaemonUnavailableError(503, unavailable);
    this.upstream.forward(req, res, context);
  }
}
