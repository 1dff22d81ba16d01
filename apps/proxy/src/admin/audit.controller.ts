import { BadRequestException, Controller, Get, Inject, NotFoundException, Param, Query, UseGuards } from '@nestjs/common';
import { AuditStore } from '../audit/audit-store';
import { AdminAuthGuard } from './admin-auth.guard';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/;

/** The audit log, newest first, with filters and cursor pagination. */
@Controller('audit')
@UseGuards(AdminAuthGuard)
export class AuditController {
  constructor(@Inject(AuditStore) private readonly audit: AuditStore) {}

  @Get()
  list(@Query() query: Record<string, string | undefined>) {
    for (const key of Object.keys(query)) {
      if (!['decision', 'rule', 'route', 'client', 'since', 'until', 'container', 'cursor', 'limit'].includes(key)) {
        throw new BadRequestException(`unknown filter ${key}`);
      }
    }
    for (const key of ['since', 'until'] as const) {
      if (query[key] !== undefined && !ISO_TIME.test(query[key]!)) throw new BadRequestException(`${key} must be an ISO 8601 UTC time`);
    }
    const limit = query.limit === undefined ? 100 : Number(query.limit);
    const cursor = query.cursor === undefined ? undefined : Number(query.cursor);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new BadRequestException('limit must be 1-1000');
    if (cursor !== undefined && !Number.isInteger(cursor)) throw new BadRequestException('cursor must be an integer');
    return this.audit.query({ ...query, limit, cursor });
  }

  @Get(':requestId')
  one(@Param('requestId') requestId: string) {
    const record = this.audit.get(requestId);
    if (!record) throw new NotFoundException(`no audit record for request id ${requestId}`);
    return record;
  }
}
