import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { ADMIN_OPTIONS, AdminOptions } from './admin-options';
import { isLoopbackAddress } from '../config/listen-address';


/**
 * The audit API (and /metrics when configured) needs `Authorization: Bearer
 * <ADMIN_TOKEN>`. Without a token configured, only an admin listener bound to
 * loopback serves it.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(@Inject(ADMIN_OPTIONS) private readonly options: AdminOptions) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const token = this.options.token;
    if (token === '') {
      // ADMIN_HOST is an IP literal (validated at start-up): the listener is bound to exactly it.
      if (isLoopbackAddress(this.options.host)) return true;
      throw new ForbiddenException('the audit API needs ADMIN_TOKEN set, or the admin listener bound to loopback (ADMIN_HOST=127.0.0.1)');
    }
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const [a, b] = [Buffer.from(given), Buffer.from(token)];
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new UnauthorizedException('a valid bearer token is required');
    return true;
  }
}
