import { Logger } from '@nestjs/common';
import { PolicyDenial } from '@dind/policy';

const logger = new Logger('dry-run');

/** Dry-run mode forwarded a request a rule refuses: say so, loudly, every time. */
export function logWouldDeny(requestId: string, denial: PolicyDenial, method: string, path: string, client: string): void {
  logger.warn({ event: 'would-deny', requestId, rule: denial.rule, field: denial.field, reason: denial.reason, method, path, client });
}
