import { Inject, Injectable, Logger } from '@nestjs/common';
import { PolicyDenial, RouteRow } from '@dind/policy';
import { clientIdentityOf } from '../identity/client-identity';
import { DecisionRecorder } from '../observability/decision-recorder';
import { deniedRecord } from './decision-records';
import { denialText } from './docker-error.response';
import { Exchange } from './request-context';

/** What the client is told: the status and the Docker-style message. */
export interface RenderedDenial {
  readonly status: number;
  readonly message: string;
}

/**
 * The one place a denial is reported, whichever stage refused (the admission
 * gate, the pool, a stalled body, the build context) and whichever transport
 * carries it: one log line, one audit record (committed before the client hears
 * of it; it feeds the metrics too), and one message naming rule, request id and
 * client. Also the one place a dry-run would-deny is logged.
 */
@Injectable()
export class DenialReporter {
  private readonly logger = new Logger('docker-api');
  private readonly dryRunLogger = new Logger('dry-run');

  constructor(@Inject(DecisionRecorder) private readonly recorder: DecisionRecorder) {}

  report(exchange: Exchange, denial: PolicyDenial, route?: RouteRow, apiVersion?: string): RenderedDenial {
    const { context } = exchange;
    const identity = clientIdentityOf(exchange.socket);
    this.logger.warn({
      event: 'denied',
      requestId: context.requestId,
      rule: denial.rule,
      field: denial.field,
      method: exchange.method,
      route: route?.template ?? 'unmatched',
      client: identity.label,
    });
    this.recorder.record(deniedRecord(exchange, denial, route, apiVersion));
    return { status: denial.status, message: denialText(denial, context.requestId, identity.name) };
  }

  /** Dry-run mode forwards a request a rule refuses: say so, loudly, every time. */
  wouldDeny(exchange: Exchange, denial: PolicyDenial): void {
    this.dryRunLogger.warn({
      event: 'would-deny',
      requestId: exchange.context.requestId,
      rule: denial.rule,
      field: denial.field,
      reason: denial.reason,
      method: exchange.method,
      path: exchange.path,
      client: clientIdentityOf(exchange.socket).label,
    });
  }
}
