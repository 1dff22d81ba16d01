import { All, Controller, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DockerErrorFilter } from './docker-error.filter';
import { DockerPolicyGuard } from './docker-policy.guard';
import { contextOf } from './request-context';
import { UpstreamProxy } from './upstream-proxy.service';

/** Every Docker API request: the guard decides, this streams what it allowed. */
@Controller()
@UseGuards(DockerPolicyGuard)
@UseFilters(DockerErrorFilter)
export class DockerProxyController {
  constructor(private readonly upstream: UpstreamProxy) {}

  @All('{*path}')
  proxy(@Req() req: Request, @Res() res: Response): void {
    const context = contextOf(req);
    if (!context.decision) throw new Error('request reached the proxy without a policy decision');
    this.upstream.forward(req, res, context);
  }
}
