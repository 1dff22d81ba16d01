import { Inject, Injectable } from '@nestjs/common';
import { AllowedRequest, PolicyDenial, RouteRow } from '@dind/policy';
import { DockerdSupervisor } from '@dind/daemon';
import { IncomingMessage, request, STATUS_CODES } from 'node:http';
import { connect, Socket } from 'node:net';
import { ClientLimits, clientKeyOf, limitDenial } from '../limits/client-limits';
import { bodyTimeoutRefusal } from '../limits/body-idle';
import { UpstreamFraming, upstreamFraming } from '../upstream/upstream-framing';
import { headersAsSent } from '../upstream/headers-as-sent';
import { DOCKER_API_OPTIONS, DockerApiOptions } from './docker-api.tokens';
import { DecisionRecorder } from '../observability/decision-recorder';
import { DindMetrics } from '../observability/dind-metrics';
import { AdmissionGate, daemonUnavailable } from './admission-gate';
import { allowedRecord } from './decision-records';
import { DenialReporter } from './denial-reporter';
import { dockerErrorBody, lingerThenClose, writeDockerErrorToSocket } from './docker-error.response';
import { contextOf, Exchange } from './request-context';

/** Idle time before the first keep-alive probe on a hijacked client connection. */
const HIJACKED_KEEPALIVE_MS = 15_000;
/** How often a half-closed hijacked client connection is checked for a reset. */
const HALF_CLOSED_PROBE_MS = 10_000;
const EMPTY = Buffer.alloc(0);

// Headers that describe one hop, not the message: the answer relayed on a
// declined upgrade is framed anew (Connection: close).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

function stripHopByHop(rawHeaders: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!HOP_BY_HOP.has(rawHeaders[i].toLowerCase())) kept.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  return kept;
}

/** The daemon's response head as it sent it (or with `rawHeaders` instead of its own). */
function responseHead(response: IncomingMessage, rawHeaders: readonly string[] = response.rawHeaders): string {
  const lines = [`HTTP/1.1 ${response.statusCode} ${response.statusMessage ?? ''}`];
  for (let i = 0; i < rawHeaders.length; i += 2) lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * `Connection: Upgrade` requests (attach, exec start, websocket attach) arrive on
 * the server's `upgrade` event, outside Express and Nest. They go through the
 * same policy as every other request; an allowed one is spliced byte for byte to
 * the daemon, keeping half-closes (stdin EOF) in both directions.
 */
@Injectable()
export class HijackHandler {
  private readonly open = new Set<Socket>();

  constructor(
    private readonly gate: AdmissionGate,
    private readonly reporter: DenialReporter,
    @Inject(DOCKER_API_OPTIONS) private readonly options: DockerApiOptions,
    private readonly supervisor: DockerdSupervisor,
    @Inject(DecisionRecorder) private readonly recorder: DecisionRecorder,
    @Inject(DindMetrics) private readonly metrics: DindMetrics,
    @Inject(ClientLimits) private readonly limits: ClientLimits,
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
    const exchange: Exchange = { context, method: req.method ?? 'GET', path: req.url ?? '', socket: client, hijacked: true };
    const refuse = (denial: PolicyDenial, route?: RouteRow, apiVersion?: string) => {
      const { status, message } = this.reporter.report(exchange, denial, route, apiVersion);
      writeDockerErrorToSocket(client, status, STATUS_CODES[status] ?? 'Error', dockerErrorBody(message));
    };
    // What follows the body on the socket (already stream input) goes to the daemon after the switch.
    let rest = head;
    const admission = await this.gate.admit({
      ...exchange,
      headers: headersAsSent(req),
      hasBody: hasBody(req),
      readBody: async () => {
        const read = await this.readBody(req, client, head);
        if (!('body' in read)) return read;
        rest = read.rest;
        return read.body;
      },
    });
    if (admission.outcome === 'unavailable') return writeDockerErrorToSocket(client, 503, 'Service Unavailable', dockerErrorBody(admission.message));
    if (admission.outcome === 'refused') return refuse(admission.denial, admission.route, admission.apiVersion);
    const { decision } = admission;

    if (client.destroyed) return;
    const unavailable = daemonUnavailable(this.supervisor);
    if (unavailable) return writeDockerErrorToSocket(client, 503, 'Service Unavailable', dockerErrorBody(unavailable));
    const release = this.limits.acquireStream(clientKeyOf(client));
    if (typeof release !== 'function') return refuse(limitDenial(release), decision.route, decision.apiVersion);
    // The session is on record while it runs (and if the service dies during it); under AUDIT_STRICT, refused if that fails.
    const refusal = this.recorder.admit(allowedRecord(exchange, decision, 0));
    if (refusal) {
      release();
      return refuse(refusal, decision.route, decision.apiVersion);
    }
    context.decision = decision;
    this.forward(client, upstreamFraming(req, decision), rest, exchange, release);
  }

  /**
   * Sends the admitted request to the daemon and relays its answer. Only a
   * protocol switch opens the splice; until then nothing more of the client's
   * reaches the daemon. Any other answer is relayed and ends the connection:
   * bytes that follow it must never reach the daemon as a request nobody checked.
   */
  private forward(client: Socket, framing: UpstreamFraming, rest: Buffer, exchange: Exchange, release: () => void): void {
    const address = this.supervisor.upstream;
    const upstream = request({
      method: framing.method,
      path: framing.path,
      headers: framing.headers,
      // No agent: a connection of its own, made here. Half-closes must pass both ways: stdin EOF while output still flows.
      createConnection: () => ('socketPath' in address ? connect({ path: address.socketPath, allowHalfOpen: true }) : connect({ host: address.host, port: address.port, allowHalfOpen: true })),
    });
    this.metrics.hijackedOpen.inc();
    let status = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      release();
      this.metrics.hijackedOpen.dec();
      this.recorder.record(allowedRecord(exchange, exchange.context.decision as AllowedRequest, status));
    };
    this.track(client);
    client.once('close', () => {
      upstream.destroy();
      finish();
    });
    upstream.on('upgrade', (response: IncomingMessage, socket: Socket, upstreamHead: Buffer) => {
      status = response.statusCode ?? 101;
      this.track(socket);
      if (client.destroyed) return socket.destroy();
      client.write(responseHead(response));
      if (upstreamHead.length > 0) client.write(upstreamHead);
      this.splice(client, socket, rest);
    });
    upstream.on('response', (response: IncomingMessage) => {
      status = response.statusCode ?? 0;
      const headers = stripHopByHop(response.rawHeaders);
      client.write(responseHead(response, [...headers, 'Connection', 'close']));
      response.on('data', (chunk: Buffer) => this.metrics.proxiedBytes.inc({ direction: 'downstream' }, chunk.length));
      response.pipe(client);
      response.once('error', () => client.destroy());
      // The client's side is paused and half-open: unread, its FIN would never
      // be seen and the connection (and its stream slot) would be held forever.
      response.once('end', () => lingerThenClose(client));
    });
    upstream.on('error', (error) => {
      if (!client.destroyed && client.bytesWritten === 0) {
        writeDockerErrorToSocket(client, 502, 'Bad Gateway', dockerErrorBody(`dind-service: the docker daemon is unavailable (${error.message})`));
      } else {
        client.destroy();
      }
      finish();
    });
    this.metrics.proxiedBytes.inc({ direction: 'upstream' }, framing.body?.length ?? 0);
    upstream.end(framing.body);
  }

  /** After the daemon switched protocols: bytes both ways, keeping half-closes. */
  private splice(client: Socket, upstream: Socket, rest: Buffer): void {
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    // A client that went away sends the same FIN as one that only ended its
    // input (stdin EOF), and a stream the daemon keeps silent then held its
    // slot for ever. Keep-alive probes find the peer gone once its side of the
    // connection has timed out (tcp_fin_timeout, 60 s on Linux) and the kernel
    // resets ours; but after the FIN nothing reads the socket, so only a write
    // hears of the reset: an empty one, now and then, sends nothing to a live
    // client and fails (EPIPE) on a reset connection, which closes it.
    client.setKeepAlive(true, HIJACKED_KEEPALIVE_MS);
    client.once('end', () => {
      const probe = setInterval(() => client.writableEnded || client.write(EMPTY), this.options.halfClosedProbeMs ?? HALF_CLOSED_PROBE_MS);
      client.once('close', () => clearInterval(probe));
    });
    if (rest.length > 0) upstream.write(rest);
    client.on('data', (chunk: Buffer) => this.metrics.proxiedBytes.inc({ direction: 'upstream' }, chunk.length));
    upstream.on('data', (chunk: Buffer) => this.metrics.proxiedBytes.inc({ direction: 'downstream' }, chunk.length));
    // pipe() ends the destination when the source ends: that is the half-close
    // (stdin EOF one way, end of output the other). A full close ends both.
    client.pipe(upstream);
    upstream.pipe(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    // The daemon is done: a client that keeps its side open must not keep the stream.
    upstream.on('close', () => {
      client.end();
      lingerThenClose(client);
    });
    client.resume();
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
      const timer = setTimeout(() => {
        client.off('data', onData);
        resolve(limitDenial(bodyTimeoutRefusal(this.options.bodyTimeoutMs)));
      }, this.options.bodyTimeoutMs);
      const finish = () => {
        clearTimeout(timer);
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
      client.once('end', () => {
        clearTimeout(timer);
        resolve({ status: 400, rule: 'body.framing', reason: 'the body ended early', field: '(body)' });
      });
    });
  }
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
