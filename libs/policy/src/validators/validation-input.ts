import { PolicyDenial } from '../policy-denial';
import { HeaderValue } from '../policy-request';
import { RouteRow } from '../routes/route-table';

export interface ValidationInput {
  readonly route: RouteRow;
  /** The API version the daemon will apply (the request's, or the negotiated one). */
  readonly apiVersion: string;
  readonly apiMinor: number;
  readonly params: Readonly<Record<string, string>>;
  readonly query: ReadonlyMap<string, readonly string[]>;
  readonly headers: Readonly<Record<string, HeaderValue>>;
  /** The strictly parsed JSON body of a json route; undefined when none was sent. */
  readonly body?: unknown;
}

/** A validator either refuses or says what to forward (a canonical body, if any). */
export type ValidationOutcome = PolicyDenial | { readonly body?: Record<string, unknown> };

export type Validator = (input: ValidationInput) => ValidationOutcome;

export function isDenial(outcome: ValidationOutcome | undefined): outcome is PolicyDenial {
  return outcome !== undefined && 'rule' in outcome;
}
