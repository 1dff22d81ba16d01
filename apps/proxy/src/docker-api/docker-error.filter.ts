import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DenialReporter } from './denial-reporter';
import { DaemonUnavailableError, PolicyDeniedError } from './policy-denied.error';
import { dockerErrorBody, sendDockerError } from './docker-error.response';
import { contextOf } from './request-context';

/** The one place Docker-API errors become `{"message": ...}` responses. */
@Catch()
export class DockerErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('docker-api');

  constructor(private readonly reporter: DenialReporter) {}

  /** Returns true: handled (Nest's external contexts log and rethrow what a filter leaves unanswered). */
  catch(error: unknown, host: ArgumentsHost): true {
    const req = host.switchToHttp().getRequest<IncomingMessage>();
    const res = host.switchToHttp().getResponse<ServerResponse>();
    const method = req.method ?? 'GET';
    const path = req.url ?? '';
    const context = contextOf(req);
    if (error instanceof PolicyDeniedError) {
      const exchange = { context, method, path, socket: req.socket, hijacked: false };
      const { status, message } = this.reporter.report(exchange, error.denial, error.route, error.apiVersion);
      sendDockerError(res, status, dockerErrorBody(message), context.requestId);
    } else if (error instanceof DaemonUnavailableError) {
      sendDockerError(res, error.status, dockerErrorBody(error.message), context.requestId);
    } else if (error instanceof HttpException) {
      sendDockerError(res, error.getStatus(), dockerErrorBody(`dind-service: ${error.message}`), context.requestId);
    } else {
      this.logger.error(`unexpected error on ${method} ${path} (request id ${context.requestId}): ${(error as Error)?.stack ?? String(error)}`);
      sendDockerError(res, 500, dockerErrorBody(`dind-service: internal error [request id ${context.requestId}]`), context.requestId);
    }
    return true;
  }
}
