import { Inject, Injectable, Logger } from '@nestjs/common';
import { AllowedRequest, DockerPolicy, PolicyDenial, RouteRow } from '@dind/policy';
import { DockerdSupervisor } from '@dind/daemon';
import { IncomingMessage } from 'node:http';
import { connect, Socket } from 'node:net';
import { DOCKER_API_OPTIONS, DOCKER_POLICY, DockerApiOptions } from './docker-api.tokens';
import { DecisionRecorder } from '../observability/decision-recorder';
import { DindMetrics } from '../observability/dind-metrics';
import { DaemonSideChecks } from './daemon-side.checks';
import { allowedRecord, deniedRecord } from './decision-records';
import { denialBody, dockerErrorBody, writeDockerErrorToSocket } from './docker-error.response';
import { contextOf, RequestContext } from './request-context';
import { logWouldDeny } from './dry-run.log';

// Headers we rewrite when the body is replaced by its canonical form.
const BODY_FRAMING = new Set(['content-length', 'transfer-encoding', 'content-type']);

/**
 * `Connection: Upgrade` requests (attach, exec start, websocket attach) arrive on
 * the server's `upgrade` event, outside Express and Nest. They go through the
 * same policy as every other request; an allowed one is spliced byte for byte to
 * the daemon, keeping half-closes (stdin EOF) in both directions.
 */
@Injectable()
export class HijackHandler {
  private readonly logger = new Logger('hijack');
  private readonly open = new Set<Socket>();

  constructor(
    @Inject(DOCKER_POLICY) private readonly policy: DockerPolicy,
    @Inject(DOCKER_API_OPTIONS) private readonly options: DockerApiOptions,
    private readonly supervisor: DockerdSupervisor,
    @Inject(DecisionRecorder) private readonly recorder: DecisionRecorder,
    @Inject(DindMetrics) private readonly metrics: DindMetrics,
    private readonly daemonSide: DaemonSideChecks,
  ) {}

  get openStreams(): number {
    return this.open.size / 2;
  }

  /** Cuts every hijacked stream (at the end of the shutdown grace period). */
  destroyAll(): void {
    for (const socket of this.open) socket.destroy();
  }

  async handle(req: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    client.on('error', () => client.destroy());
    const context = contextOf(req);
    const url = req.url ?? '';
    const method = req.method ?? 'GET';
    const seen = { method, path: url, client: client.remoteAddress ? `${client.remoteAddress}:${client.remotePort}` : 'unix-socket', hijacked: true };
    const refuse = (denial: PolicyDenial, route?: RouteRow, apiVersion?: string) => {
      this.logger.warn({ event: 'denied', requestId: context.requestId, rule: denial.rule, field: denial.field, client: seen.client });
      this.recorder.record(deniedRecord(context, seen, denial, route, apiVersion));
      const reason = denial.status === 413 ? 'Payload Too Large' : denial.status === 400 ? 'Bad Request' : 'Forbidden';
      writeDockerErrorToSocket(client, denial.status, reason, denialBody(denial, context.requestId));
    };
    const resolved = this.policy.resolve(method, url);
    if ('rule' in resolved) return refuse(resolved);
    if (!resolved.match.row.hijack) {
      return refuse({ status: 403, rule: 'route.upgrade', reason: 'this endpoint cannot be upgraded', field: `${method} ${url}` }, resolved.match.row, resolved.apiVersion);
    }

    let rest = head;
    let body: Buffer | undefined;
    if (resolved.match.row.body === 'json') {
      const read = await this.readBody(req, client, head);
      if (!('body' in read)) return refuse(read, resolved.match.row, resolved.apiVersion);
      body = read.body;
      rest = read.rest;
    }
    const decided = this.policy.decide({ method, url, headers: req.headers, body }, resolved);
    if (!decided.allowed) return refuse(decided.denial, decided.route, decided.apiVersion);
    const decision = await this.daemonSide.settle(decided);
    if ('rule' in decision) return refuse(decision, decided.route, decided.apiVersion);
    if (decision.wouldDeny) logWouldDeny(context.requestId, decision.wouldDeny, method, url, client.remoteAddress ?? 'unix-socket');
    if (this.supervisor.state !== 'ready') {
      return writeDockerErrorToSocket(client, 503, 'Service Unavailable', dockerErrorBody(`dind-service: the docker daemon is ${this.supervisor.state}`));
    }

    const forwardedBody = decision.body ?? (body && body.length > 0 ? undefined : Buffer.alloc(0));
    const lines = [`${method} ${decision.upstreamUrl} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i];
      if (forwardedBody && BODY_FRAMING.has(name.toLowerCase())) continue;
      lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
    }
    if (forwardedBody && forwardedBody.length > 0) {
      lines.push('Content-Type: application/json', `Content-Length: ${forwardedBody.length}`);
    } else if (forwardedBody) {
      lines.push('Content-Length: 0');
    }
    context.decision = decision;
    this.splice(client, Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), forwardedBody ?? Buffer.alloc(0), rest]), context, seen);
  }

  private splice(client: Socket, preamble: Buffer, context: RequestContext, seen: { method: string; path: string; client: string; hijacked: boolean }): void {
    const upstreamAddress = this.supervisor.upstream;
    const upstream =
      'socketPath' in upstreamAddress
        ? connect({ path: upstreamAddress.socketPath, allowHalfOpen: true })
        : connect({ host: upstreamAddress.host, port: upstreamAddress.port, allowHalfOpen: true });
    this.track(client);
    this.track(upstream);
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    let status = 0;
    this.metrics.hijackedOpen.inc();
    this.metrics.proxiedBytes.inc({ direction: 'upstream' }, preamble.length);
    upstream.once('connect', () => {
      upstream.write(preamble);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    client.on('data', (chunk: Buffer) => this.metrics.proxiedBytes.inc({ direction: 'upstream' }, chunk.length));
    upstream.on('data', (chunk: Buffer) => {
      if (status === 0) status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(chunk.toString('latin1', 0, 16))?.[1] ?? 0);
      this.metrics.proxiedBytes.inc({ direction: 'downstream' }, chunk.length);
    });
    upstream.once('close', () => {
      this.metrics.hijackedOpen.dec();
      this.recorder.record(allowedRecord(context, seen, context.decision as AllowedRequest, status));
    });
    upstream.on('error', (error) => {
      if (!client.destroyed && client.bytesWritten === 0) {
        writeDockerErrorToSocket(client, 502, 'Bad Gateway', dockerErrorBody(`dind-service: the docker daemon is unavailable (${error.message})`));
      } else {
        client.destroy();
      }
    });
    client.on('error', () => upstream.destroy());
    // pipe() ends the destination when the source ends: that is the half-close
    // (stdin EOF one way, end of output the other). A full close ends both.
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.end());
  }

  private track(socket: Socket): void {
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
  }

  /** An upgrade request's body is in `head` and whatever follows on the socket. */
  private readBody(req: IncomingMessage, client: Socket, head: Buffer): Promise<{ body: Buffer; rest: Buffer } | PolicyDenial> {
    const limit = this.options.maxJsonBodyBytes;
    if (req.headers['transfer-encoding'] !== undefined) {
      return Promise.resolve({ status: 400, rule: 'body.framing', reason: 'an upgrade request must send its body with Content-Length', field: 'Transfer-Encoding' });
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if (!Number.isSafeInteger(length) || length < 0) {
      return Promise.resolve({ status: 400, rule: 'body.framing', reason: 'invalid Content-Length', field: 'Content-Length' });
    }
    if (length > limit) return Promise.resolve({ status: 413, rule: 'body.size', reason: `a validated JSON body may be at most ${limit} bytes`, field: '(body)' });
    return new Promise((resolve) => {
      let buffered = head;
      const finish = () => {
        client.off('data', onData);
        client.pause();
        resolve({ body: buffered.subarray(0, length), rest: buffered.subarray(length) });
      };
      const onData = (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length >= length) finish();
      };
      if (buffered.length >= length) return finish();
      client.on('data', onData);
      client.once('end', () => resolve({ status: 400, rule: 'body.framing', reason: 'the body ended early', field: '(body)' }));
    });
  }


}
