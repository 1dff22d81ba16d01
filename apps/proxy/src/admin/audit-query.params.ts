import { BadRequestException } from '@nestjs/common';
import { AuditQuery } from '../audit/audit-query';

const FILTERS = ['decision', 'rule', 'route', 'client', 'since', 'until', 'container', 'cursor', 'limit'] as const;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/;
const DECISIONS = ['allowed', 'denied', 'dry-run-denied'];
const MAX_FILTER_LENGTH = 1024;

/**
 * GET /audit's query string as an AuditQuery, or a 400 naming what is wrong.
 * Express parses `?client=a&client=b` into an array and `?client[x]=1` into an
 * object: each filter is one string, anything else is refused here (it once
 * reached SQLite and came back as a 500 with a stack).
 */
export function auditQueryOf(query: Record<string, unknown>): AuditQuery {
  const values: Partial<Record<(typeof FILTERS)[number], string>> = {};
  for (const [key, value] of Object.entries(query)) {
    if (!(FILTERS as readonly string[]).includes(key)) throw new BadRequestException(`unknown filter ${key}`);
    if (Array.isArray(value)) throw new BadRequestException(`filter ${key} is given ${value.length} times; give it once`);
    if (typeof value !== 'string') throw new BadRequestException(`filter ${key} must be a single value`);
    if (value.length > MAX_FILTER_LENGTH) throw new BadRequestException(`filter ${key} is longer than ${MAX_FILTER_LENGTH} characters`);
    values[key as (typeof FILTERS)[number]] = value;
  }
  for (const key of ['since', 'until'] as const) {
    if (values[key] !== undefined && !ISO_TIME.test(values[key])) throw new BadRequestException(`${key} must be an ISO 8601 UTC time`);
  }
  if (values.decision !== undefined && !DECISIONS.includes(values.decision)) throw new BadRequestException(`decision must be one of ${DECISIONS.join(', ')}`);
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  const cursor = values.cursor === undefined ? undefined : Number(values.cursor);
  if (!/^\d+$/.test(values.limit ?? '100') || !Number.isInteger(limit) || limit < 1 || limit > 1000) throw new BadRequestException('limit must be 1-1000');
  if (values.cursor !== undefined && (!/^\d+$/.test(values.cursor) || !Number.isSafeInteger(cursor))) throw new BadRequestException('cursor must be a non-negative integer');
  const { limit: _limit, cursor: _cursor, ...filters } = values;
  return { ...filters, limit, cursor };
}
