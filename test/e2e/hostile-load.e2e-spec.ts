import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Socket } from 'node:net';
import autocannon from 'autocannon';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { firstBytes, heldResources, HeldResources, inFlight, rawClient, ReadinessSampler, readUntilClose, sleep } from '../support/load-clients';
import { sampleValue } from '../support/metrics-text';
import { SidecarInstance, startSidecarInstance } from '../support/sidecar-instance';

// A soak and chaos run against the real dockerd: a second dind-service (sidecar
// mode, in front of the run's daemon, so that its process holds nothing but the
// proxy) is driven by hostile clients phase by phase. After each phase the
// service must answer `docker ps` within a second, hold no more files and
// daemon connections than before, keep its memory near where it was, and its
// /ready must have said "not ready" exactly while forwarding was impossible.
//
// DIND_SOAK=long multiplies the counts and durations (not for CI).

const state = e2eState();
const cli = state.clis[0];
const SCALE = process.env.DIND_SOAK === 'long' ? 5 : 1;
const STREAMS = 500;
const HEADERS_TIMEOUT_MS = 2000;
const BODY_TIMEOUT_MS = 2000;
const READY_TIMEOUT_MS = 1000;
const POOL = 16;
// Node returns freed memory to the system lazily: "near the baseline" is within this.
const RSS_SLACK_MB = 96;

interface PhaseFigures {
  readonly phase: string;
  readonly before: HeldResources;
  readonly peak?: HeldResources;
  readonly after: HeldResources;
  readonly psMs: number;
  readonly samples: number;
  readonly notReady: number;
  readonly disagreements: number;
}

const figures: PhaseFigures[] = [];
const report = join(state.baseDir, 'soak-figures.md');

describe('hostile load: the service holds and gives back what clients made it hold', () => {
  let sidecar: SidecarInstance;
  let baseline: HeldResources;
  let container = '';
  const dir = mkdtempSync(join(state.baseDir, 'soak-'));

  beforeAll(async () => {
    sidecar = await startSidecarInstance(state, 'soak', 'name: soak\n', {
      CLIENT_MAX_CONNECTIONS: '3000',
      CLIENT_MAX_STREAMS: '1500',
      MAX_STREAMS: '3000',
      UPSTREAM_MAX_SOCKETS: String(POOL),
      CLIENT_MAX_POOLED: '8',
      UPSTREAM_QUEUE_TIMEOUT_MS: '2000',
      HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
      READY_TIMEOUT_MS: String(READY_TIMEOUT_MS),
      AUDIT_STDOUT: 'false',
      LOG_LEVEL: 'error',
    });
    const run = await docker(cli, sidecar.tcpHost, ['run', '-d', state.image, 'sh', '-c', 'while true; do echo tick; sleep 1; done']);
    expect(run.stderr).toBe('');
    container = text(run);
    // Warm up: the pool, the JIT and the allocator reach the working size of a
    // 256-client burst; what stays above that afterwards is what a phase kept.
    await autocannon({ url: `http://127.0.0.1:${sidecar.apiPort}/v1.41/containers/json?all=1`, connections: 256, duration: 2 });
    baseline = await settled(heldResources(sidecar.pid), 20_000);
  }, 120_000);

  afterAll(async () => {
    if (container) await docker(cli, state.tcpHost, ['rm', '-f', container]);
    await sidecar?.stop();
    const lines = [
      '| phase | fds before → peak → after | daemon conns before → peak → after | RSS MB before → peak → after | docker ps ms | /ready samples (not ready) | disagreements |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...figures.map(
        (f) =>
          `| ${f.phase} | ${f.before.fds} → ${f.peak?.fds ?? '-'} → ${f.after.fds} | ${f.before.daemonConnections} → ${f.peak?.daemonConnections ?? '-'} → ${f.after.daemonConnections} | ${f.before.rssMb} → ${f.peak?.rssMb ?? '-'} → ${f.after.rssMb} | ${f.psMs} | ${f.samples} (${f.notReady}) | ${f.disagreements} |`,
      ),
    ];
    writeFileSync(report, `${lines.join('\n')}\n`);
    process.stdout.write(`\nsoak figures (${report}):\n${lines.join('\n')}\n`);
  });

  /**
   * The files the service may hold once settled: the baseline's, four more,
   * and one per idle pooled daemon connection above the baseline's (the pool
   * keeps up to POOL of them open, each a file).
   */
  const fdsAllowed = (start: HeldResources, now: HeldResources) => start.fds + 4 + Math.max(0, now.daemonConnections - start.daemonConnections);

  /** Waits until the service carries nothing and its files and daemon connections are back at the baseline. */
  async function settled(start: HeldResources | undefined, timeoutMs = 15_000): Promise<HeldResources> {
    const deadline = Date.now() + timeoutMs;
    let now = heldResources(sidecar.pid);
    while (Date.now() < deadline) {
      const carrying = await inFlight(sidecar.adminUrl);
      now = heldResources(sidecar.pid);
      // Idle pooled connections may stay open (at most the pool's size).
      if (carrying === 0 && (!start || (now.fds <= fdsAllowed(start, now) && now.daemonConnections <= Math.max(start.daemonConnections, POOL)))) return now;
      await sleep(250);
    }
    return now;
  }

  async function timedPs(): Promise<number> {
    const started = Date.now();
    const ps = await docker(cli, sidecar.tcpHost, ['ps', '-q'], { timeoutMs: 10_000 });
    expect(ps.code).toBe(0);
    return Date.now() - started;
  }

  /** Runs a phase with readiness sampled throughout, then checks what the service holds afterwards. */
  async function phase(name: string, body: (peak: (figure: HeldResources) => void) => Promise<void>, forwardingStops = false): Promise<void> {
    const before = heldResources(sidecar.pid);
    const sampler = new ReadinessSampler(sidecar.adminUrl, sidecar.apiPort, READY_TIMEOUT_MS).start();
    let peak: HeldResources | undefined;
    try {
      await body((figure) => (peak = figure));
    } finally {
      // A failed phase must not leave the sampler polling: it would keep jest from exiting.
      await sampler.stop();
    }
    const after = await settled(baseline);
    const psMs = await timedPs();
    const notReady = sampler.samples.filter((s) => !s.ready).length;
    figures.push({ phase: name, before, peak, after, psMs, samples: sampler.samples.length, notReady, disagreements: sampler.disagreements() });
    expect(psMs).toBeLessThan(1000);
    expect(await inFlight(sidecar.adminUrl)).toBe(0);
    expect(after.fds).toBeLessThanOrEqual(fdsAllowed(baseline, after));
    expect(after.daemonConnections).toBeLessThanOrEqual(Math.max(baseline.daemonConnections, POOL));
    expect(after.rssMb).toBeLessThanOrEqual(baseline.rssMb + RSS_SLACK_MB);
    expect(sampler.disagreements()).toBe(0);
    if (!forwardingStops) expect(notReady).toBe(0);
    else expect(notReady).toBeGreaterThan(0);
  }

  it('bursts of 256 keep-alive clients, stopped abruptly, leave the forwarding path answering', async () => {
    await phase('burst 256 × 2 s, twice', async () => {
      for (let round = 0; round < 2 * SCALE; round++) {
        const result = await autocannon({ url: `http://127.0.0.1:${sidecar.apiPort}/v1.41/containers/json?all=1`, connections: 256, duration: 2 });
        expect(result.requests.total).toBeGreaterThan(0);
      }
    });
  });

  it('clients that vanish at every phase of a request release what they held', async () => {
    await phase('disconnect at every phase', async (peak) => {
      const n = 50 * SCALE;
      const port = sidecar.apiPort;
      const each = (count: number, act: (i: number) => Promise<void>) => Promise.all(Array.from({ length: count }, (_, i) => act(i)));
      // Before the head ends.
      await each(n, async () => {
        const socket = await rawClient(port);
        socket.write('GET /v1.41/containers/json HTTP/1.1\r\nHost: x\r\nX-Half: ');
        await sleep(50);
        socket.destroy();
      });
      // Mid-body of a validated request, and of a streamed one.
      await each(n, async (i) => {
        const socket = await rawClient(port);
        const path = i % 2 ? '/v1.41/containers/create' : `/v1.41/containers/${container}/archive?path=/tmp`;
        const type = i % 2 ? 'application/json' : 'application/x-tar';
        socket.write(`${i % 2 ? 'POST' : 'PUT'} ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: 100000\r\n\r\n{"Image":`);
        await sleep(100);
        socket.destroy();
      });
      // While a response streams: a container's logs, cut after the first bytes.
      await each(n, async () => {
        const socket = await rawClient(port);
        socket.write(`GET /v1.41/containers/${container}/logs?stdout=1&follow=1 HTTP/1.1\r\nHost: x\r\n\r\n`);
        await firstBytes(socket);
        socket.destroy();
      });
      // Mid-upgrade: before the daemon's answer, and right after it.
      await each(n, async (i) => {
        const socket = await rawClient(port);
        socket.write(`POST /v1.41/containers/${container}/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
        if (i % 2) await firstBytes(socket);
        socket.destroy();
      });
      // Half-open: the request is sent and the client's side closed; the
      // follow stream must end with it.
      const halfOpen = await Promise.all(
        Array.from({ length: n }, async () => {
          const socket = await rawClient(port);
          socket.end(`GET /v1.41/events?since=0 HTTP/1.1\r\nHost: x\r\n\r\n`);
          return readUntilClose(socket, 10_000);
        }),
      );
      peak(heldResources(sidecar.pid));
      expect(halfOpen.filter((outcome) => !outcome.closed)).toEqual([]);
    });
  });

  it('slowloris clients are cut at the header and body deadlines with a 408 that names the limit', async () => {
    const metrics = async () => (await fetch(`${sidecar.adminUrl}/metrics`)).text();
    const before = await metrics();
    const outcomes: Array<{ text: string; closed: boolean }> = [];
    await phase('slowloris (headers and bodies)', async (peak) => {
      const n = 50 * SCALE;
      const clients = await Promise.all(
        Array.from({ length: 2 * n }, async (_, i) => {
          const socket = await rawClient(sidecar.apiPort);
          const drip = i % 2
            ? ['GET /v1.41/containers/json HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n', 'X-D: 4\r\n']
            : [`PUT /v1.41/containers/${container}/archive?path=/tmp HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-tar\r\nContent-Length: 10240\r\n\r\n`];
          let step = 0;
          const timer = setInterval(() => step < drip.length && !socket.destroyed && socket.write(drip[step++]), 900);
          const outcome = await readUntilClose(socket, HEADERS_TIMEOUT_MS + BODY_TIMEOUT_MS + 6000);
          clearInterval(timer);
          socket.destroy();
          return outcome;
        }),
      );
      peak(heldResources(sidecar.pid));
      outcomes.push(...clients);
    });
    expect(outcomes.filter((o) => !o.closed)).toEqual([]);
    expect(outcomes.filter((o) => !o.text.startsWith('HTTP/1.1 408'))).toEqual([]);
    const after = await metrics();
    const grew = (limit: string) => sampleValue(after, 'dind_limit_refusals_total', { limit }) - sampleValue(before, 'dind_limit_refusals_total', { limit });
    expect(grew('header-timeout')).toBeGreaterThanOrEqual(50 * SCALE);
    expect(grew('body-timeout')).toBeGreaterThanOrEqual(50 * SCALE);
    expect(outcomes.find((o) => o.text.includes('HEADERS_TIMEOUT_MS'))).toBeDefined();
    expect(outcomes.find((o) => o.text.includes('BODY_TIMEOUT_MS'))).toBeDefined();
  });

  it(`${STREAMS} hijacked streams and ${STREAMS} follow streams stay live while docker ps answers, and are released when killed`, async () => {
    await phase(`${STREAMS} attach + ${STREAMS} follow streams`, async (peak) => {
      const sockets: Socket[] = [];
      const open = async (head: string) => {
        const socket = await rawClient(sidecar.apiPort);
        sockets.push(socket);
        socket.write(head);
        return firstBytes(socket, 30_000);
      };
      const heads = await Promise.all([
        ...Array.from({ length: STREAMS }, () => open(`POST /v1.41/containers/${container}/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`)),
        ...Array.from({ length: STREAMS / 2 }, () => open(`GET /v1.41/events?filters=${encodeURIComponent('{"label":["soak=1"]}')} HTTP/1.1\r\nHost: x\r\n\r\n`)),
        ...Array.from({ length: STREAMS / 2 }, () => open(`GET /v1.41/containers/${container}/logs?stdout=1&follow=1&tail=0 HTTP/1.1\r\nHost: x\r\n\r\n`)),
      ]);
      try {
        expect(heads.filter((head) => head.startsWith('HTTP/1.1 101')).length).toBe(STREAMS);
        expect(heads.filter((head) => head.startsWith('HTTP/1.1 200')).length).toBe(STREAMS);
        // The readiness sampler's own ping may be in flight too.
        const carrying = await inFlight(sidecar.adminUrl);
        expect(carrying).toBeGreaterThanOrEqual(2 * STREAMS);
        expect(carrying).toBeLessThanOrEqual(2 * STREAMS + 1);
        peak(heldResources(sidecar.pid));
        expect(await timedPs()).toBeLessThan(1000);
      } finally {
        for (const socket of sockets) socket.destroy();
      }
    });
  }, 180_000);

  it('a build refused mid-stream releases its daemon connection', async () => {
    const context = join(dir, 'context');
    execFileSync('mkdir', ['-p', context]);
    writeFileSync(join(context, 'filler'), Buffer.alloc(4 * 1024 * 1024, 7));
    writeFileSync(join(context, 'Dockerfile'), 'FROM 127.0.0.1:5000/never\n');
    // The Dockerfile last: the refusal comes after the daemon has had megabytes.
    const tar = execFileSync('tar', ['-C', context, '-cf', '-', 'filler', 'Dockerfile'], { maxBuffer: 64 * 1024 * 1024 });
    await phase('builds refused mid-stream', async () => {
      const statuses = await Promise.all(
        Array.from({ length: 20 * SCALE }, () =>
          new Promise<number>((resolve, reject) => {
            const req = request(
              { host: '127.0.0.1', port: sidecar.apiPort, method: 'POST', path: '/v1.41/build?t=soak-refused', headers: { 'Content-Type': 'application/x-tar', 'Content-Length': tar.length } },
              (res) => {
                res.resume();
                res.on('end', () => resolve(res.statusCode ?? 0));
              },
            );
            req.on('error', reject);
            req.end(tar);
          }),
        ),
      );
      expect(new Set(statuses)).toEqual(new Set([403]));
    });
  });

  it('/ready is false exactly while the daemon cannot be reached through the forwarding path', async () => {
    const dockerdPid = Number(readFileSync(join(state.runDir, 'dockerd.pid'), 'utf8'));
    await phase(
      'daemon stopped (SIGSTOP) for 4 s',
      async () => {
        await sleep(1000);
        process.kill(dockerdPid, 'SIGSTOP');
        try {
          await sleep(4000);
        } finally {
          process.kill(dockerdPid, 'SIGCONT');
        }
        await sleep(2000);
      },
      true,
    );
  });
});
