import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { advertisedBuilderVersion, AllowedRequest, BuildContextReading, imageNameKeys, imageNamesMovedBy, clampToAudited, deny, DockerfileRefusal, DockerPolicy, readDockerfile, forwardsInDryRun, PolicyDenial } from '@dind/policy';
import { DockerdSupervisor } from '@dind/daemon';
import httpProxy from 'http-proxy';
import { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { DecisionRecorder } from '../observability/decision-recorder';
import { DindMetrics } from '../observability/dind-metrics';
import { createdObjectField, ResponseCapture } from './created-object';
import { DialTargetChecker } from '../network/dial-target.checker';
import { BuildImageChecker } from './build-image.checker';
import { BuildContextInspector, MAX_DOCKERFILE_BYTES } from './build-context/build-context.inspector';
import { DockerfileEntry } from './build-context/tar-scanner';
import { ImageLoadChecker } from './image-load/image-load.checker';
import { ImageLoadInspector } from './image-load/image-load.inspector';
import { ImageNameLocks, nameInUse } from './image-name-locks';
import { releaseOnClose } from './release-on-close';
import { allowedRecord } from './decision-records';
import { DenialReporter } from './denial-reporter';
import { DOCKER_API_OPTIONS, DockerApiOptions } from './docker-api.tokens';
import { DOCKER_POLICY } from '../core/core.tokens';
import { dockerErrorBody, sendDockerError } from './docker-error.response';
import { PolicyDeniedError } from './policy-denied.error';
import { ownContainerIds, sendOwnerView } from './owner-view.response';
import { contextOf, Exchange, RequestContext, UpstreamCut } from './request-context';
import { UpstreamPool, PoolExhaustedError } from '../upstream/upstream-pool';
import { upstreamFraming } from '../upstream/upstream-framing';
import { ClientLimits, clientKeyOf, limitDenial } from '../limits/client-limits';
import { bodyTimeoutRefusal, watchBodyIdle } from '../limits/body-idle';

/**
 * Streams allowed requests to the daemon over kept-alive connections. Bodies
 * stream both ways with backpressure; only a validated JSON body is replaced by
 * its canonical bytes.
 */
@Injectable()
export class UpstreamProxy implements OnModuleDestroy {
  private readonly logger = new Logger('upstream');
  private readonly proxy: httpProxy;

  constructor(
    private readonly supervisor: DockerdSupervisor,
    @Inject(DOCKER_API_OPTIONS) private readonly options: DockerApiOptions,
    @Inject(DecisionRecorder) private readonly recorder: DecisionRecorder,
    @Inject(DindMetrics) private readonly metrics: DindMetrics,
    @Inject(DOCKER_POLICY) private readonly policy: DockerPolicy,
    private readonly dialTargets: DialTargetChecker,
    @Inject(UpstreamPool) private readonly pool: UpstreamPool,
    @Inject(ClientLimits) private readonly limits: ClientLimits,
    private readonly reporter: DenialReporter,
    private readonly buildImages: BuildImageChecker,
    private readonly imageLoads: ImageLoadChecker,
    private readonly nameLocks: ImageNameLocks,
  ) {
    this.proxy = httpProxy.createProxyServer({ xfwd: false, ws: false, proxyTimeout: 0 });
    this.proxy.on('proxyRes', (proxyRes, req, res) => {
      const context = contextOf(req);
      context.upstreamResponse = proxyRes;
      // The client may have left while the daemon was answering.
      if (context.cut) proxyRes.destroy();
      else this.onResponse(proxyRes, req, res as ServerResponse);
    });
  }

  forward(req: IncomingMessage, res: ServerResponse, context: RequestContext): void {
    const decision = context.decision!;
    const path = req.url ?? '';
    const exchange: Exchange = { context, method: req.method ?? '', path, socket: req.socket, hijacked: false };
    // Admission is asynchronous: the client may be gone already, and nothing
    // would then release what a forwarded request holds.
    if (res.destroyed || req.socket.destroyed) {
      this.recorder.record(allowedRecord(exchange, decision, 0));
      return;
    }
    const client = clientKeyOf(req.socket);
    const pooled = decision.route.longLived ? undefined : this.limits.acquirePooled(client);
    const release = pooled ?? this.limits.acquireStream(client);
    if (typeof release !== 'function') throw new PolicyDeniedError(limitDenial(release), decision.route, decision.apiVersion);
    res.once('close', release);
    this.holdMovedNames(res, context);
    // Recorded before the daemon sees it (completed in place at the end); under AUDIT_STRICT, refused if that fails.
    const refusal = this.recorder.admit(allowedRecord(exchange, decision, 0));
    if (refusal) throw new PolicyDeniedError(refusal, decision.route, decision.apiVersion);
    context.pooled = pooled !== undefined;
    const framing = upstreamFraming(req, decision);
    req.url = framing.path;
    req.headers = framing.headers;
    let buffer: Readable | undefined;
    if (framing.body !== undefined) {
      buffer = Readable.from([framing.body]);
      this.metrics.proxiedBytes.inc({ direction: 'upstream' }, framing.body.length);
    } else {
      req.on('data', (chunk: Buffer) => this.metrics.proxiedBytes.inc({ direction: 'upstream' }, chunk.length));
      watchBodyIdle(req, this.options.bodyTimeoutMs, () => this.bodyStalled(req, res, exchange));
      if (decision.route.validator === 'build') buffer = this.inspectBuildContext(req, res, context, path);
      else if (decision.imageLoad) buffer = this.inspectImageLoad(req, res, context, path);
    }
    const field = createdObjectField(req.method ?? '', decision.route.template);
    const capture = field ? new ResponseCapture(field) : undefined;
    res.once('close', () => {
      if (!res.writableFinished) this.cut(context, 'client-gone');
      if (context.cut !== undefined && context.cut !== 'client-gone') return; // recorded as denied
      const status = res.headersSent ? res.statusCode : 0;
      // Read at close: a dry-run build inspection may have added its would-deny.
      this.recorder.record(allowedRecord(exchange, context.decision ?? decision, status, status < 300 ? capture?.objectId() : undefined));
    });
    context.capture = capture;
    // Answers the proxy rewrites whole: the version body, and lists narrowed to their owner.
    const selfHandleResponse = decision.route.clampResponse === 'version-body' || decision.ownerView !== undefined;
    const agent = context.pooled ? this.pool.shortAgent : this.pool.streamAgent;
    const onRequest = (upstreamRequest: ClientRequest) => {
      context.upstreamRequest = upstreamRequest;
      if (context.pooled) this.pool.bound(upstreamRequest, (error) => this.poolExhausted(res, exchange, error));
    };
    this.pool.capture(onRequest, () =>
      this.proxy.web(req, res, { target: this.target(), agent, buffer, selfHandleResponse }, (error: Error) => {
        if (context.cut) return; // cut on purpose
        this.logger.warn({ event: 'upstream-error', requestId: context.requestId, method: req.method, path: decision.upstreamUrl, error: error.message });
        sendDockerError(res, 502, dockerErrorBody(`dind-service: the docker daemon is unavailable (${error.message})`));
      }),
    );
  }

  /** Releases the daemon side of a request: its connection closes with it. */
  private cut(context: RequestContext, why: UpstreamCut): void {
    context.cut ??= why;
    if (context.upstreamRequest) this.pool.abandon(context.upstreamRequest);
    context.upstreamResponse?.destroy();
  }

  private poolExhausted(res: ServerResponse, exchange: Exchange, error: PoolExhaustedError): void {
    const { context } = exchange;
    const decision = context.decision!;
    if (context.cut) return;
    context.cut = 'pool-exhausted';
    const denial = limitDenial({ limit: 'upstream-pool', status: 503, message: error.message });
    const { status, message } = this.reporter.report(exchange, denial, decision.route, decision.apiVersion);
    sendDockerError(res, status, dockerErrorBody(message), context.requestId);
  }

  /** A streamed body that stops arriving while the daemon waits for it (slowloris). */
  private bodyStalled(req: IncomingMessage, res: ServerResponse, exchange: Exchange): void {
    const { context } = exchange;
    const decision = context.decision!;
    const denial = limitDenial(bodyTimeoutRefusal(this.options.bodyTimeoutMs));
    const { status, message } = this.reporter.report(exchange, denial, decision.route, decision.apiVersion);
    this.cut(context, 'body-stalled');
    sendDockerError(res, status, dockerErrorBody(message), context.requestId);
    res.once('finish', () => req.socket.destroy());
  }

  /** Ownership mode: the image names this request moves stay still for builds that read them, and vice versa. */
  private holdMovedNames(res: ServerResponse, context: RequestContext): void {
    const decision = context.decision!;
    if (!this.policy.policyOptions.ownership) return;
    const moved = [...imageNamesMovedBy(decision.route.template, decision.route.method, decision.ownedObjects ?? []), ...(decision.removedImageNames ?? []).flatMap(imageNameKeys)];
    if (moved.length === 0) return;
    const taken = this.nameLocks.take(moved, 'move', context.requestId);
    if (typeof taken !== 'function') throw new PolicyDeniedError(nameInUse(taken.conflict, 'image name'), decision.route, decision.apiVersion);
    releaseOnClose(res, taken);
  }

  /** A build holds the names it reads, a load those it sets, until it ends; undefined when it may. */
  private holdNames(res: ServerResponse, context: RequestContext, references: readonly string[], use: 'read' | 'move', field: string): PolicyDenial | undefined {
    const taken = this.nameLocks.take(references.flatMap(imageNameKeys), use, context.requestId);
    if (typeof taken !== 'function') return nameInUse(taken.conflict, field);
    releaseOnClose(res, taken);
    return undefined;
  }

  /**
   * A classic build's context streams through an inspector that reads its
   * Dockerfile (named, with the build args, by the policy's decision) and holds
   * the end of the body until the hosts it names are checked. A remote context
   * (`remote`: a BuildKit session, or a URL with remoteBuildContexts) has no
   * body to inspect.
   */
  private inspectBuildContext(req: IncomingMessage, res: ServerResponse, context: RequestContext, path: string): Readable | undefined {
    const reading = context.decision!.buildContext;
    if (!reading) return undefined;
    const inspector = new BuildContextInspector({
      dockerfile: reading.dockerfile,
      maxDockerfileBytes: MAX_DOCKERFILE_BYTES,
      check: (dockerfile) => this.checkDockerfile(dockerfile, reading, req, res, context, path),
    });
    inspector.once('denied', (denial: PolicyDenial) => this.denyInspectedBody(req, res, context, path, denial));
    req.pipe(inspector);
    return inspector;
  }

  /**
   * Ownership mode: a load's archive streams through an inspector that keeps
   * its manifest and image configs and holds the end of the body until the
   * names it sets and the owner labels it carries are checked.
   */
  private inspectImageLoad(req: IncomingMessage, res: ServerResponse, context: RequestContext, path: string): Readable {
    const decision = context.decision!;
    const holdMoved = (references: readonly string[]) => this.holdNames(res, context, references, 'move', 'body');
    const inspector = new ImageLoadInspector((archive) => this.imageLoads.check(archive, decision, context.requestId, holdMoved));
    inspector.once('denied', (denial: PolicyDenial) => this.denyInspectedBody(req, res, context, path, denial));
    req.pipe(inspector);
    return inspector;
  }

  private async checkDockerfile(
    dockerfile: DockerfileEntry,
    { buildArgs, owner }: BuildContextReading,
    req: IncomingMessage,
    res: ServerResponse,
    context: RequestContext,
    path: string,
  ): Promise<PolicyDenial | undefined> {
    let denial: PolicyDenial | undefined;
    try {
      const read = readDockerfile(dockerfile.content.toString('utf8'), { buildArgs, name: dockerfile.name });
      denial = await this.dialTargets.check(read.dialTargets);
      if (!denial && owner !== undefined) {
        denial = await this.buildImages.check(read.images, owner, (references) => this.holdNames(res, context, references, 'read', 'Dockerfile'));
      }
    } catch (error) {
      if (error instanceof DockerfileRefusal) {
        denial = deny(error.rule, error.message, error.field, error.value);
      } else {
        this.logger.error({ event: 'build-inspection-failed', requestId: context.requestId, error: (error as Error).message });
        denial = deny('build.context', 'the build context could not be inspected', 'body');
      }
    }
    if (denial && forwardsInDryRun(this.policy.policyOptions, denial)) {
      const decision = context.decision!;
      if (!decision.wouldDeny) context.decision = { ...decision, wouldDeny: denial };
      this.reporter.wouldDeny({ context, method: req.method ?? '', path, socket: req.socket, hijacked: false }, denial);
      return undefined;
    }
    return denial;
  }

  /**
   * Recorded (and metered) before the client hears of it; the upstream request is
   * cut, so the daemon sees a truncated body: it builds (or loads) nothing.
   */
  private denyInspectedBody(req: IncomingMessage, res: ServerResponse, context: RequestContext, path: string, denial: PolicyDenial): void {
    const decision = context.decision!;
    context.cut = 'body-denied';
    const exchange: Exchange = { context, method: req.method ?? '', path, socket: req.socket, hijacked: false };
    const { status, message } = this.reporter.report(exchange, denial, decision.route, decision.apiVersion);
    const upstreamResponse = context.upstreamResponse;
    if (!res.headersSent) {
      upstreamResponse?.unpipe(res);
      sendDockerError(res, status, dockerErrorBody(message), context.requestId);
    } else if (!res.writableEnded) {
      // The daemon's progress stream has begun: the refusal is its last message.
      upstreamResponse?.unpipe(res);
      res.end(`${JSON.stringify({ errorDetail: { message }, error: message })}\n`);
    }
    if (context.upstreamRequest) this.pool.abandon(context.upstreamRequest);
  }

  onModuleDestroy(): void {
    this.proxy.close();
  }

  private target(): httpProxy.ServerOptions['target'] {
    const upstream = this.supervisor.upstream;
    // http-proxy passes socketPath through to http.request.
    return 'socketPath' in upstream
      ? ({ socketPath: upstream.socketPath, host: 'docker', port: 80, protocol: 'http:' } as unknown as httpProxy.ServerOptions['target'])
      : { host: upstream.host, port: upstream.port, protocol: 'http:' };
  }

  /** Flushes headers early, counts bytes, captures created ids, and clamps the advertised API version. */
  private onResponse(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse): void {
    const decision: AllowedRequest | undefined = contextOf(req).decision;
    const capture = contextOf(req).capture;
    if (decision?.ownerView) {
      const counted = (bytes: number) => this.metrics.proxiedBytes.inc({ direction: 'downstream' }, bytes);
      const owner = decision.ownerView.owner;
      void sendOwnerView(proxyRes, res, decision.ownerView, counted, () => ownContainerIds(this.supervisor.upstream, owner)).catch((error: Error) => {
        this.logger.warn({ event: 'owner-view-failed', requestId: contextOf(req).requestId, error: error.message });
        res.destroy();
      });
      return;
    }
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
    if (decision.route.clampResponse === 'ping-header') {
      const builder = advertisedBuilderVersion(this.policy.policyOptions);
      if (builder) proxyRes.headers['builder-version'] = builder;
    }
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
