/** Filters of GET /audit; every one optional except the page size. */
export interface AuditQuery {
  readonly decision?: string;
  readonly rule?: string;
  readonly route?: string;
  readonly client?: string;
  readonly since?: string;
  readonly until?: string;
  readonly container?: string;
  readonly cursor?: number;
  readonly limit: number;
}

/**
 * `%` and `_` are LIKE wildcards: unescaped, `client=10.0.0.%` would match every
 * 10.0.0.x client, and `container=_` every container. The filters are prefixes
 * of literal text, so every wildcard a caller sends is escaped.
 */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export interface AuditSql {
  readonly where: string[];
  readonly params: Record<string, unknown>;
}

/** The WHERE clauses and parameters of a query (no LIMIT, no window). */
export function auditWhere(query: AuditQuery): AuditSql {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  const add = (clause: string, key: string, value: unknown) => {
    if (value === undefined || value === '') return;
    where.push(clause);
    params[key] = value;
  };
  add('decision = @decision', 'decision', query.decision);
  if (query.rule) {
    // instr() on the JSON text first: cheap, and it rules out almost every row before json_each parses one.
    where.push('instr(rules, @ruleJson) > 0 AND EXISTS (SELECT 1 FROM json_each(rules) WHERE json_each.value = @rule)');
    params.rule = query.rule;
    params.ruleJson = JSON.stringify(query.rule);
  }
  add('route = @route', 'route', query.route);
  if (query.client) {
    // A client is named as recorded (`CN=runner-7,DNS:…@10.0.0.5:4711`, `10.0.0.5:4711`) or by
    // a leading part of it that ends where a name ends: its CN, its certificate names, its address.
    where.push(
      "(client = @client OR client LIKE @clientLike || ':%' ESCAPE '\\' OR client LIKE @clientLike || '@%' ESCAPE '\\' OR client LIKE @clientLike || ',%' ESCAPE '\\')",
    );
    params.client = query.client;
    params.clientLike = escapeLike(query.client);
  }
  add('time >= @since', 'since', query.since);
  add('time < @until', 'until', query.until);
  if (query.container) {
    where.push("(object_id LIKE @containerLike || '%' ESCAPE '\\' OR path LIKE '%/containers/' || @containerLike || '%' ESCAPE '\\')");
    params.containerLike = escapeLike(query.container);
  }
  return { where, params };
}
