import fc from 'fast-check';
import { DockerfileRefusal, dockerfileDialTargets } from '@dind/policy';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { BuildContextInspector, MAX_DOCKERFILE_BYTES } from '../../apps/proxy/src/docker-api/build-context/build-context.inspector';
import { buildContext, GeneratedContext, HOSTS_PER_CONTEXT, withHosts } from '../support/build-context-generator';
import { e2eState } from '../support/e2e-state';
import { tarArchive } from '../support/tar-writer';

/**
 * The classic-build inspector against the real builder. For each generated
 * context, the inspector's prediction — computed in-process with the functions
 * the proxy uses — is either "refuse" or the set of hosts the daemon may dial;
 * the daemon then builds the same bytes (POST /build on its own socket,
 * classic builder) while loopback listeners, one per candidate host, record
 * who was dialled. A dial the inspector did not predict is a differential.
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

type Prediction = { readonly refused: string } | { readonly hosts: ReadonlySet<string> };

/** What the proxy decides for this context: its inspector, with the Dockerfile reader as its check. */
async function predict(body: Buffer, dockerfile: string | undefined, buildArgs: Record<string, string> | undefined): Promise<Prediction> {
  let hosts: string[] | undefined;
  let refused: string | undefined;
  const inspector = new BuildContextInspector({
    dockerfile,
    maxDockerfileBytes: MAX_DOCKERFILE_BYTES,
    check: async (entry) => {
      try {
        hosts = dockerfileDialTargets(entry.content.toString('utf8'), { buildArgs, name: entry.name }).map((target) => target.host);
      } catch (error) {
        if (!(error instanceof DockerfileRefusal)) throw error;
        refused = `${error.rule}: ${error.message}`;
      }
      return undefined;
    },
  });
  inspector.on('denied', (denial: { reason: string }) => (refused ??= `build.context: ${denial.reason}`));
  inspector.resume();
  await new Promise<void>((resolve, reject) => {
    inspector.on('end', resolve);
    inspector.on('error', reject);
    inspector.end(body);
  });
  if (refused !== undefined) return { refused };
  if (hosts === undefined) return { refused: 'no decision' };
  return { hosts: new Set(hosts) };
}

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
  });

  afterAll(async () => {
    await Promise.all(listeners.flat().map((listener) => listener.close()));
    // Builds that succeeded leave untagged images.
    await new Promise<void>((resolve) => {
      const req = request({ socketPath, method: 'POST', path: `/v1.41/images/prune?filters=${encodeURIComponent('{"dangling":["true"]}')}` }, (res) => res.resume().on('end', resolve));
      req.on('error', () => resolve());
      req.end();
    });
  });

  it(`never sees the daemon dial a host the inspector did not predict (seed ${seed}, ${runs} contexts)`, async () => {
    const samples = fc.sample(buildContext, { seed, numRuns: runs });
    const started = Date.now();
    const differentials: Outcome[] = [];
    /** Predicted dials the daemon did not make (over-approximation or an earlier failure): kept for reading. */
    const quiet: Outcome[] = [];
    const counts = { built: 0, refused: 0, dialled: 0, predictedDials: 0 };
    let next = 0;
    const worker = async (w: number) => {
      while (next < samples.length) {
        const index = next++;
        const context = withHosts(samples[index], hosts[w]);
        const body = tarArchive(context.entries);
        const prediction = await predict(body, context.dockerfile, context.buildArgs as Record<string, string> | undefined);
        if ('refused' in prediction) {
          counts.refused++;
          continue;
        }
        counts.predictedDials += prediction.hosts.size > 0 ? 1 : 0;
        for (const listener of listeners[w]) listener.dialled = false;
        const daemon = await daemonBuild(body, context.dockerfile, context.buildArgs as Record<string, string> | undefined);
        // A dial may still be in flight when the answer ends; give it a moment.
        await new Promise((resolve) => setTimeout(resolve, 50));
        counts.built++;
        const dialled = hosts[w].filter((_host, i) => listeners[w][i].dialled);
        if (dialled.length > 0) counts.dialled++;
        const outcome = { index, context, prediction: [...prediction.hosts].join(' '), dialled, daemon: daemon.slice(-600) };
        if (dialled.some((h) => !prediction.hosts.has(h))) differentials.push(outcome);
        else if (dialled.length === 0 && prediction.hosts.size > 0 && quiet.length < 50) quiet.push(outcome);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_x, w) => worker(w)));
    const seconds = Math.round((Date.now() - started) / 1000);
    mkdirSync(join(report, '..'), { recursive: true });
    writeFileSync(report, JSON.stringify({ seed, runs, seconds, counts, differentials, quiet }, null, 2));
    console.log(`build differential: seed ${seed}, ${runs} contexts in ${seconds}s: ${JSON.stringify(counts)}, ${differentials.length} differentials`);
    expect(differentials).toEqual([]);
    // The test is only worth something if the daemon dialled the listeners often.
    expect(counts.dialled).toBeGreaterThan(runs / 10);
  }, long ? 3_600_000 : 600_000);
});
