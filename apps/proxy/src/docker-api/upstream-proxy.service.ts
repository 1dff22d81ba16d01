import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AllowedRequest, clampToAudited } from '@dind/policy';
import { DockerdSupervisor } from '@dind/daemon';
import httpProxy from 'http-proxy';
import { Agent, ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { DecisionRecorder } from '../observability/decision-recorder';
import { DindMetrics } from '../observability/dind-metrics';
import { createdObjectField, ResponseCapture } from './created-object';
import { allowedRecord } from './decision-records';
import { DOCKER_API_OPTIONS, DockerApiOptions } from './docker-api.tokens';
import { clientOf } from './docker-error.filter';
import { dockerErrorBody, sendDockerError } from './docker-error.response';
import { contextOf, RequestContext } from './request-context';

/**
 * Streams allowed requests to the daemon over kept-alive connections. Bodies
 * stream both ways with backpressure; only a validated JSON body is replaced by
 * its canonical bytes.
 */
@Injectable()
export class UpstreamProxy implements OnModuleDestroy {
  private readonly logger = new Logger('upstream');
  private readonly agent: Agent;
  private readonly proxy: httpProxy;
  private readonly captures = new WeakMap<IncomingMessage, ResponseCapture>();

  constructor(
    private readonly supervisor: DockerdSupervisor,
    @Inject(DOCKER_API_OPTIONS) options: DockerApiOptions,
    @Inject(DecisionRecorder) private readonly recorder: DecisionRecorder,
    @Inject(DindMetrics) private readonly metrics: DindMetrics,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: options.upstreamMaxSockets, maxFreeSockets: 16 });
    this.proxy = httpProxy.createProxyServer({ agent: this.agent, xfwd: false, ws: false, proxyTimeout: 0 });
    this.proxy.on('proxyReq', (proxyReq, req, res) => this.cancelWhenClientLeaves(proxyReq, res));
    this.proxy.on('proxyRes', (proxyRes, req, res) => this.onResponse(proxyRes, req, res as ServerResponse));
  }

  forward(req: IncomingMessage, res: ServerResponse, context: RequestContext): void {
    const decision = context.decision!;
    const path = req.url ?? '';
    req.url = decision.upstreamUrl;
    let buffer: Readable | undefined;
    if (decision.body !== undefined) {
      delete req.headers['transfer-encoding'];
      req.headers['content-length'] = String(decision.body.length);
      req.headers['content-type'] = 'application/json';
      buffer = Readable.from([decision.body]);
      this.metrics.proxiedBytes.inc({ direction: 'upstream' }, decision.body.length);
    } else if (decision.route.body === 'json') {
      // The client sent no body (or a literal null): send none.
      delete req.headers['transfer-encoding'];
      req.headers['content-length'] = '0';
    } else {
      req.on('data', (chunk: Buffer) => this.metrics.proxiedBytes.inc({ direction: 'upstream' }, chunk.length));
    }
    const field = createdObjectField(req.method ?? '', decision.route.template);
    const capture = field ? new ResponseCapture(field) : undefined;
    res.once('close', () => {
      const seen = { method: req.method ?? '', path, client: clientOf(req), hijacked: false };
      const status = res.headersSent ? res.statusCode : 0;
      this.recorder.record(allowedRecord(context, seen, decision, status, status < 300 ? capture?.objectId() : undefined));
    });
    if (capture) this.captures.set(req, capture);
    const selfHandleResponse = decision.route.clampResponse === 'version-body';
    this.proxy.web(req, res, { target: this.target(), buffer, selfHandleResponse }, (error: Error) => {
      this.logger.warn({ event: 'upstream-error', requestId: context.requestId, method: req.method, path: decision.upstreamUrl, error: error.message });
      sendDockerError(res, 502, dockerErrorBody(`dind-service: the docker daemon is unavailable (${error.message})`));
    });
  }

  onModuleDestroy(): void {
    this.agent.destroy();
    this.proxy.close();
  }

  private target(): httpProxy.ServerOptions['target'] {
    const upstream = this.supervisor.upstream;
    // http-proxy passes socketPath through to http.request.
    return 'socketPath' in upstream
      ? ({ socketPath: upstream.socketPath, host: 'docker', port: 80, protocol: 'http:' } as unknown as httpProxy.ServerOptions['target'])
      : { host: upstream.host, port: upstream.port, protocol: 'http:' };
  }

  // A follow-mode stream (logs -f, events, stats) never ends by itself; when the
  // client goes away the upstream request must go too, or connections pile up.
  private cancelWhenClientLeaves(proxyReq: ClientRequest, res: ServerResponse | unknown): void {
    if (!(res instanceof ServerResponse)) return;
    res.once('close', () => {
      if (!res.writableFinished) proxyReq.destroy();
    });
  }

  /** Flushes headers early, counts bytes, captures created ids, and clamps the advertised API version. */
  private onResponse(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse): void {
    const decision: AllowedRequest | undefined = contextOf(req).decision;
    const capture = this.captures.get(req);
    if (decision?.route.clampResponse !== 'version-body') {
      proxyRes.on('data', (chunk: Buffer) => {
        this.metrics.proxiedBytes.inc({ direction: 'downstream' }, chunk.length);
        capture?.add(chunk);
      });
      // Node holds response headers until the first body byte. The daemon sends
      // some headers long before any body (`wait?condition=next-exit` answers 200
      // at once, and the CLI starts the container only after seeing it); http-proxy
      // copies them right after this event, so flush on the next tick.
      process.nextTick(() => {
        if (!res.headersSent && !res.writableEnded) res.flushHeaders();
      });
    }
    // Clients negotiate down to what the daemon advertises; advertise no more than we audited.
    if (!decision?.route.clampResponse) return;
    const advertised = proxyRes.headers['api-version'];
    if (typeof advertised === 'string') proxyRes.headers['api-version'] = clampToAudited(advertised);
    if (decision.route.clampResponse === 'version-body') void this.clampVersionBody(proxyRes, res);
  }

  private async clampVersionBody(proxyRes: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of proxyRes) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    if (proxyRes.statusCode === 200) {
      try {
        const version = JSON.parse(body.toString()) as { ApiVersion?: string };
        if (typeof version.ApiVersion === 'string') version.ApiVersion = clampToAudited(version.ApiVersion);
        body = Buffer.from(JSON.stringify(version));
      } catch {
        // Not JSON: pass it on as the daemon sent it.
      }
    }
    const headers = { ...proxyRes.headers, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    res.writeHead(proxyRes.statusCode ?? 502, headers);
    res.end(body);
  }
}
