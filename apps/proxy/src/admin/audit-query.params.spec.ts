import { BadRequestException } from '@nestjs/common';
import { auditQueryOf } from './audit-query.params';

const refusal = (query: Record<string, unknown>) => {
  try {
    auditQueryOf(query);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return (error as BadRequestException).message;
  }
  throw new Error('accepted');
};

describe('GET /audit parameters', () => {
  it.each([
    ['a repeated filter', { client: ['10.0.0.1', '10.0.0.2'] }, 'filter client is given 2 times; give it once'],
    ['a repeated limit', { limit: ['1', '2'] }, 'filter limit is given 2 times; give it once'],
    ['a filter given as an object', { container: { x: '1' } }, 'filter container must be a single value'],
    ['an unknown filter', { path: '/x' }, 'unknown filter path'],
    ['a limit that is not a number', { limit: '1e3' }, 'limit must be 1-1000'],
    ['a limit of 0', { limit: '0' }, 'limit must be 1-1000'],
    ['a negative cursor', { cursor: '-5' }, 'cursor must be a non-negative integer'],
    ['a cursor past safe integers', { cursor: '99999999999999999999' }, 'cursor must be a non-negative integer'],
    ['an unknown decision', { decision: 'maybe' }, 'decision must be one of allowed, denied, dry-run-denied'],
    ['a time that is not ISO 8601', { since: 'yesterday' }, 'since must be an ISO 8601 UTC time'],
    ['a filter longer than 1 KiB', { client: 'x'.repeat(1025) }, 'filter client is longer than 1024 characters'],
  ])('%s is a 400 that says so', (_name, query, message) => {
    expect(refusal(query)).toBe(message);
  });

  it('valid filters pass through, with limit and cursor as numbers', () => {
    expect(auditQueryOf({ client: '10.0.0.%', limit: '5', cursor: '42', decision: 'denied' })).toEqual({ client: '10.0.0.%', decision: 'denied', limit: 5, cursor: 42 });
    expect(auditQueryOf({})).toEqual({ limit: 100, cursor: undefined });
  });
});
