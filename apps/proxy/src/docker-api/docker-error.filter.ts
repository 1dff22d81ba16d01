import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { Request, Response } from 'express';
import { DaemonUnavailableError, PolicyDeniedError } from './policy-denied.error';
import { denialBody, dockerErrorBody, sendDockerError } from './docker-error.response';

/** The one place Docker-API errors become `{"message": ...}` responses. */
@Catch()
export class DockerErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('docker-api');

  catch(error: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    if (error instanceof PolicyDeniedError) {
      const { denial } = error;
      this.logger.warn({ event: 'denied', rule: denial.rule, field: denial.field, method: req.method, path: req.originalUrl, client: clientOf(req) });
      sendDockerError(res, denial.status, denialBody(denial));
    } else if (error instanceof DaemonUnavailableError) {
      sendDockerError(res, error.status, dockerErrorBody(error.message));
    } else if (error instanceof HttpException) {
      sendDockerError(res, error.getStatus(), dockerErrorBody(`dind-service: ${error.message}`));
    } else {
      this.logger.error(`unexpected error on ${req.method} ${req.originalUrl}: ${(error as Error)?.stack ?? String(error)}`);
      sendDockerError(res, 500, dockerErrorBody('dind-service: internal error'));
    }
  }
}

export function clientOf(req: { socket: { remoteAddress?: string; remotePort?: number } }): string {
  const { remoteAddress, remotePort } = req.socket;
  return remoteAddress ? `${remoteAddress}:${remotePort}` : 'unix-socket';
}
