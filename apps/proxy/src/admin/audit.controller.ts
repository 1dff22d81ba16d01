import { BadRequestException, Controller, Get, Inject, NotFoundException, Param, Query, UseGuards } from '@nestjs/common';
import { AuditStore } from '../audit/audit-store';
import { AdminAuthGuard } from './admin-auth.guard';
import { auditQueryOf } from './audit-query.params';

/** The audit log, newest first, with filters and cursor pagination. */
@Controller('audit')
@UseGuards(AdminAuthGuard)
export class AuditController {
  constructor(@Inject(AuditStore) private readonly audit: AuditStore) {}

  @Get()
  list(@Query() query: Record<string, unknown>) {
    return this.audit.query(auditQueryOf(query));
  }

  @Get(':requestId')
  one(@Param('requestId') requestId: string) {
    const record = this.audit.get(requestId);
    if (!record) throw new NotFoundException(`no audit record for request id ${requestId}`);
    return record;
  }
}
