import fc from 'fast-check';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { buildContext, GeneratedContext, HOSTS_PER_CONTEXT, withHosts } from '../support/build-context-generator';
import { predictBuild } from '../support/build-prediction';
import { e2eState } from '../support/e2e-state';
import { openEgressHole } from '../support/egress-hole';
import { tarArchive } from '../support/tar-writer';

/**
 * The classic-build inspector against the real builder. For each generated
 * context, the inspector's prediction — computed in-process with the functions
 * the proxy uses — is either "refuse" or the set of hosts the daemon may dial;
 * the daemon then builds the same bytes (POST /build on its own socket,
 * classic builder) while loopback listeners, one per candidate host, record
 * who was dialled. A dial the inspector did not predict is a differential.
 *
 * The service's kernel egress rules refuse the daemon every loopback dial, so
 * for this spec only the listeners' ports are let through: what is measured
 * here is the inspector (the request-time line), not the kernel.
 *
 * CI runs a fixed seed; DIND_DIFFERENTIAL=long runs thousands of contexts
 * (DIND_DIFFERENTIAL_RUNS, DIND_DIFFERENTIAL_SEED override the figures).
 */
const state = e2eState();
const socketPath = join(state.runDir, 'docker.sock');
const long = process.env.DIND_DIFFERENTIAL === 'long';
const runs = Number(process.env.DIND_DIFFERENTIAL_RUNS ?? (long ? 3000 : 400));
const seed = Number(process.env.DIND_DIFFERENTIAL_SEED ?? 20161);
const WORKERS = 3;
const report = join(__dirname, '..', '..', '.test-run', 'build-differential.json');

/** The daemon builds the context with the classic builder; resolves when its answer ends. */
function daemonBuild(body: Buffer, dockerfile: string | undefined, buildArgs: Record<string, string> | undefined): Promise<string> {
  const query = new URLSearchParams({ rm: '1', forcerm: '1', version: '1' });
  if (dockerfile !== undefined) query.set('dockerfile', dockerfile);
  if (buildArgs) query.set('buildargs', JSON.stringify(buildArgs));
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: 'POST', path: `/v1.41/build?${query}`, headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(text));
    });
    req.setTimeout(60_000, () => req.destroy(new Error('build timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** A loopback listener that answers anything with a 404 and records that it was dialled. */
class Listener {
  dialled = false;
  private readonly server: Server = createServer((socket: Socket) => {
    this.dialled = true;
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    socket.setTimeout(5000, () => socket.destroy());
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface Outcome {
  readonly index: number;
  readonly context: GeneratedContext;
  readonly prediction: string;
  readonly dialled: string[];
  readonly daemon: string;
}

describe('the classic-build inspector predicts what dockerd 20.10 dials', () => {
  const listeners: Listener[][] = [];
  const hosts: string[][] = [];
  let hole: { close(): void } | undefined;

  beforeAll(async () => {
    for (let w = 0; w < WORKERS; w++) {
      listeners.push([]);
      hosts.push([]);
      for (let i = 0; i < HOSTS_PER_CONTEXT; i++) {
        const listener = new Listener();
        hosts[w].push(await listener.start());
        listeners[w].push(listener);
      }
    }
    hole = openEgressHole(hosts.flat());
  });

  afterAll(async () => {
    hole?.close();
    await Promise.all(listeners.flat().map((listener) => listener.close()));
    // Builds that succeeded leave untagged images.
    await new Promise<void>((resolve) => {
      const req = request({ socketPath, method: 'POST', path: `/v1.41/images/prune?filters=${encodeURIComponent('{"dangling":["true"]}')}` }, (res) => res.resume().on('end', resolve));
      req.on('error', () => resolve());
      req.end();
    });
  });

  interface Run {
    readonly counts: { built: number; refused: number; dialled: number; predictedDials: number };
    readonly differentials: Outcome[];
    readonly quiet: Outcome[];
    /** Per context: the indices of the listeners the daemon dialled (undefined when the inspector refused). */
    readonly dialledIndices: Array<number[] | undefined>;
  }

  /** Predicts, then (unless refused, or `always`) builds every context, WORKERS at a time, each worker with its own listeners. */
  async function differential(contexts: readonly GeneratedContext[], always = false): Promise<Run> {
    const run: Run = { counts: { built: 0, refused: 0, dialled: 0, predictedDials: 0 }, differentials: [], quiet: [], dialledIndices: [] };
    let next = 0;
    const worker = async (w: number) => {
      while (next < contexts.length) {
        const index = next++;
        const context = withHosts(contexts[index], hosts[w]);
        const body = tarArchive(context.entries);
        const prediction = await predictBuild(body, context.dockerfile, context.buildArgs);
        if ('refused' in prediction) run.counts.refused++;
        else run.counts.predictedDials += prediction.hosts.size > 0 ? 1 : 0;
        if ('refused' in prediction && !always) continue;
        for (const listener of listeners[w]) listener.dialled = false;
        const daemon = await daemonBuild(body, context.dockerfile, context.buildArgs);
        // A dial may still be in flight when the answer ends; give it a moment.
        await new Promise((resolve) => setTimeout(resolve, 50));
        run.counts.built++;
        const indices = hosts[w].map((_host, i) => i).filter((i) => listeners[w][i].dialled);
        run.dialledIndices[index] = indices;
        const dialled = indices.map((i) => hosts[w][i]);
        if (dialled.length > 0) run.counts.dialled++;
        if ('refused' in prediction) continue;
        const outcome = { index, context, prediction: [...prediction.hosts].join(' '), dialled, daemon: daemon.slice(-600) };
        if (dialled.some((h) => !prediction.hosts.has(h))) run.differentials.push(outcome);
        else if (dialled.length === 0 && prediction.hosts.size > 0 && run.quiet.length < 50) run.quiet.push(outcome);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_x, w) => worker(w)));
    return run;
  }

  it('replays every counter-example found so far: the daemon still dials, the inspector now predicts it or refuses', async () => {
    const found = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'build-differential', 'found.json'), 'utf8')) as Array<{ context: GeneratedContext; dialled: number[] }>;
    const run = await differential(found.map((f) => f.context), true);
    expect(run.differentials).toEqual([]);
    // The fixtures stay meaningful: most still make the daemon dial the host it dialled when found.
    const still = found.filter((f, i) => f.dialled.every((d) => run.dialledIndices[i]?.includes(d))).length;
    expect(still).toBeGreaterThan(found.length * 0.9);
  });

  it(`never sees the daemon dial a host the inspector did not predict (seed ${seed}, ${runs} contexts)`, async () => {
    const samples = fc.sample(buildContext, { seed, numRuns: runs });
    const started = Date.now();
    const { counts, differentials, quiet } = await differential(samples);
    const seconds = Math.round((Date.now() - started) / 1000);
    mkdirSync(join(report, '..'), { recursive: true });
    writeFileSync(report, JSON.stringify({ seed, runs, seconds, counts, differentials, quiet }, null, 2));
    console.log(`build differential: seed ${seed}, ${runs} contexts in ${seconds}s: ${JSON.stringify(counts)}, ${differentials.length} differentials`);
    expect(differentials).toEqual([]);
    // The test is only worth something if the daemon dialled the listeners often.
    expect(counts.dialled).toBeGreaterThan(runs / 20);
  }, long ? 3_600_000 : 600_000);
});
