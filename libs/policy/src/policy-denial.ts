/**
 * Why a request was refused. `rule` is a stable identifier (metrics, audit);
 * `field` and `value` say exactly what to change.
 */
export interface PolicyDenial {
  readonly status: 400 | 403 | 404 | 408 | 409 | 413 | 429 | 431 | 503;
  readonly rule: string;
  readonly field?: string;
  readonly value?: unknown;
  readonly reason: string;
}

export function deny(rule: string, reason: string, field?: string, value?: unknown): PolicyDenial {
  return { status: 403, rule, reason, field, value };
}

/** The one sentence a docker client prints after "Error response from daemon: ". */
export function denialMessage(denial: PolicyDenial): string {
  const where = denial.field === undefined ? '' : ` ${denial.field}${formatValue(denial.value)}`;
  return `dind-service policy denied the request:${where} ${denial.reason} (rule ${denial.rule})`;
}

function formatValue(value: unknown): string {
  if (value === undefined) return ':';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return `=${text.length > 200 ? `${text.slice(0, 200)}…` : text}:`;
}
