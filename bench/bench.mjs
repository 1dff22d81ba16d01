#!/usr/bin/env node
// The benchmark of issue 12: dind-service against the daemon's own socket and against a bare Node proxy
// (the floor), side by side in one sitting, interleaved, N repetitions. It starts everything it measures and
// removes it again, also when a step fails or it is interrupted.
//
//   npm run build && npm run bench -- [options]
//
//   --reps N         repetitions of every workload (default 3); figures print as min–max over them
//   --floor P|URL    the floor: a script started as `node P --listen … --upstream …` (default
//                    ../shared/bench/node-floor.mjs beside the checkout), or the URL of one already running
//   --out FILE       where the markdown table goes besides stdout (default .bench/last-run.md)
//   --smoke          tiny counts and sizes: checks that every workload still runs, measures nothing
//   --profile        instead of the table: one CPU profile (node --cpu-prof) of the service at 32
//                    connections on /_ping, summarised by module
//   --seconds S      duration of each load-generator run (default 2)
//   --summarise F    only summarise an existing .cpuprofile F by module, start nothing
//
// It needs root, the docker CLI and busybox-static, like the end-to-end suite, and no other dockerd running.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SERVICE_ENTRY = join(ROOT, 'dist', 'apps', 'proxy', 'apps', 'proxy', 'src', 'main.js');
// As operators start it: the launcher sizes node's heap.
const SERVICE_LAUNCHER = join(ROOT, 'bin', 'dind-service');
const CLI = '/usr/bin/docker';
const MiB = 1024 * 1024;
const API = '/v1.41';

// ---------------------------------------------------------------------------------------------- options
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const SMOKE = flag('--smoke');
const PROFILE = flag('--profile');
const REPS = Number(option('--reps', SMOKE ? '1' : '3'));
const SECONDS = Number(option('--seconds', SMOKE ? '0.3' : '2'));
const FLOOR = option('--floor', join(ROOT, '..', 'shared', 'bench', 'node-floor.mjs'));
const OUT = resolve(option('--out', join(ROOT, '.bench', SMOKE ? 'smoke.md' : 'last-run.md')));
const SIZES = SMOKE
  ? { bigMiB: 2, logMiB: 1, containers: 3, cycles: 3, streams: 20, burst: 16, latencyRequests: 50 }
  : { bigMiB: 100, logMiB: 100, containers: 50, cycles: 20, streams: 500, burst: 256, latencyRequests: 1000 };

const log = (line) => process.stderr.write(`[bench] ${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------- processes
const started = { baseDir: '', servicePid: 0, floor: undefined, networkTraces: undefined };

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function processesMentioning(needle) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(needle)) found.push({ pid: Number(entry), cmdline });
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

const iptablesSave = () => {
  try {
    return execFileSync('iptables-save', { encoding: 'utf8' });
  } catch {
    return '';
  }
};
const mentionsDaemon = (line) => /DOCKER|docker0|\bbr-[0-9a-f]{12}\b/.test(line);

/** Removes the bridges and chains the bench's dockerd left (only when there were none before it started). */
function removeDaemonNetworkTraces(policy) {
  const saved = iptablesSave();
  if (saved) {
    const kept = saved
      .split('\n')
      .filter((line) => !mentionsDaemon(line))
      .map((line) => (line.startsWith(':FORWARD ') ? line.replace(/^:FORWARD \w+/, `:FORWARD ${policy}`) : line))
      .join('\n');
    execFileSync('iptables-restore', { input: kept });
  }
  const bridges = execFileSync('ip', ['-o', 'link', 'show', 'type', 'bridge'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1])
    .filter((name) => !!name && (name === 'docker0' || /^br-[0-9a-f]{12}$/.test(name)));
  for (const bridge of bridges) execFileSync('ip', ['link', 'delete', bridge]);
}

async function stopPid(pid, graceMs) {
  if (!pid || !isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    if (started.floor && started.floor.exitCode === null) started.floor.kill('SIGKILL');
    await stopPid(started.servicePid, 60_000);
    if (!started.baseDir) return;
    for (const { pid } of processesMentioning(started.baseDir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    const mounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1])
      .filter((mountPoint) => mountPoint?.startsWith(started.baseDir));
    for (const mountPoint of mounts.reverse()) {
      try {
        execFileSync('umount', ['-l', mountPoint]);
      } catch {
        // Unmounted with its parent.
      }
    }
    if (started.networkTraces) removeDaemonNetworkTraces(started.networkTraces.forwardPolicy);
    rmSync(started.baseDir, { recursive: true, force: true });
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    log(`${signal}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
    server.on('error', reject);
  });
}

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/** The service with its own dockerd in a temporary directory, as the end-to-end suite starts it. */
async function startStack() {
  if (!existsSync(SERVICE_ENTRY)) throw new Error(`${SERVICE_ENTRY} is missing: run npm run build first`);
  if (!existsSync(CLI)) throw new Error(`no docker CLI at ${CLI}`);
  const foreign = processesMentioning('dockerd').filter(({ cmdline }) => /(^|\/)dockerd$/.test(cmdline.split(' ')[0]));
  if (foreign.length > 0) throw new Error(`another dockerd is running (pid ${foreign.map((p) => p.pid).join(', ')}): the bench starts its own`);
  const tracesBefore = existsSync('/sys/class/net/docker0') || iptablesSave().split('\n').some(mentionsDaemon);
  if (!tracesBefore) started.networkTraces = { forwardPolicy: /^:FORWARD (\w+)/m.exec(iptablesSave())?.[1] ?? 'ACCEPT' };

  const baseDir = mkdtempSync(join(tmpdir(), 'dind-bench-'));
  started.baseDir = baseDir;
  const runDir = join(baseDir, 'run');
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const [apiPort, adminPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    SOCKET_PATH: join(baseDir, 'api', 'docker.sock'),
    ADMIN_PORT: String(adminPort),
    ADMIN_HOST: '127.0.0.1',
    DOCKER_DATA_ROOT: join(baseDir, 'data'),
    DOCKERD_RUN_DIR: runDir,
    DATA_DIR: join(baseDir, 'state'),
    SHUTDOWN_GRACE_MS: '3000',
    DOCKERD_STOP_TIMEOUT_MS: '10000',
  };
  const profileDir = join(baseDir, 'profile');
  // Node 20 refuses --cpu-prof in NODE_OPTIONS: the launcher puts it on node's command line.
  if (PROFILE) env.DIND_SERVICE_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${profileDir}`;
  env.NODE = process.execPath;
  if (PROFILE) mkdirSync(profileDir);
  const serviceLog = join(baseDir, 'service.log');
  const logFd = openSync(serviceLog, 'a');
  const service = spawn(SERVICE_LAUNCHER, [], { env, stdio: ['ignore', logFd, logFd], detached: true });
  closeSync(logFd);
  service.unref();
  started.servicePid = service.pid;
  log(`service pid ${service.pid}, log ${serviceLog}`);
  await waitFor(`service ready (log: ${serviceLog})`, async () => (await fetch(`http://127.0.0.1:${adminPort}/ready`)).status === 200, 90_000);

  const daemonSocket = join(runDir, 'docker.sock');
  let floorUrl = FLOOR;
  if (!/^https?:\/\//.test(FLOOR)) {
    if (!existsSync(FLOOR)) throw new Error(`floor ${FLOOR} not found: pass --floor PATH or --floor http://HOST:PORT`);
    const floorPort = await freePort();
    const floor = spawn(process.execPath, [FLOOR, '--listen', `127.0.0.1:${floorPort}`, '--upstream', daemonSocket], { stdio: ['ignore', 'ignore', 'inherit'] });
    started.floor = floor;
    floorUrl = `http://127.0.0.1:${floorPort}`;
  }
  const targets = [
    { name: 'direct', socketPath: daemonSocket, host: `unix://${daemonSocket}` },
    { name: 'floor', ...fromUrl(floorUrl) },
    { name: 'service', ...fromUrl(`http://127.0.0.1:${apiPort}`) },
  ];
  for (const target of targets) await waitFor(`${target.name} answers /_ping`, async () => (await request(target, 'GET', '/_ping')).status === 200, 30_000);
  return { baseDir, targets, servicePid: service.pid, floorPid: started.floor?.pid, profileDir, serviceLog };
}

function fromUrl(url) {
  const { hostname, port } = new URL(url);
  return { hostname, port: Number(port), host: `tcp://${hostname}:${port}` };
}

// ---------------------------------------------------------------------------------------------- HTTP
const agents = new Map();
const agentOf = (target) => {
  if (!agents.has(target.name)) agents.set(target.name, new http.Agent({ keepAlive: true, maxSockets: 64 }));
  return agents.get(target.name);
};
const location = (target) => (target.socketPath ? { socketPath: target.socketPath } : { host: target.hostname, port: target.port });

function request(target, method, path, body) {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolveResponse, reject) => {
    const req = http.request(
      {
        ...location(target),
        agent: agentOf(target),
        method,
        path,
        headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {},
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolveResponse({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function expectOk(target, method, path, body) {
  const res = await request(target, method, path, body);
  if (res.status >= 300) throw new Error(`${target.name} ${method} ${path}: ${res.status} ${res.body.slice(0, 300)}`);
  return res.body ? JSON.parse(res.body) : undefined;
}

/** p50 latency and req/s at one connection, timed here (autocannon's histogram has whole milliseconds). */
async function oneConnection(target, path) {
  const latencies = [];
  const begin = process.hrtime.bigint();
  for (let i = 0; i < SIZES.latencyRequests; i++) {
    const t0 = process.hrtime.bigint();
    const res = await request(target, 'GET', path);
    if (res.status !== 200) throw new Error(`${target.name} GET ${path}: ${res.status}`);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
  latencies.sort((a, b) => a - b);
  return { p50: latencies[Math.floor(latencies.length / 2)], rps: latencies.length / seconds };
}

async function cannon(target, path, connections, seconds = SECONDS, tolerant = false) {
  const result = await autocannon({
    url: target.socketPath ? `http://localhost${path}` : `http://${target.hostname}:${target.port}${path}`,
    socketPath: target.socketPath,
    connections,
    duration: seconds,
  });
  if (tolerant) return { rps: result.requests.total / (result.duration || seconds), refused: result.non2xx + result.errors };
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`${target.name} ${path} at ${connections}: ${result.errors} errors, ${result.non2xx} non-2xx`);
  return { rps: result.requests.total / (result.duration || seconds), p50: result.latency.p50 };
}

// ---------------------------------------------------------------------------------------------- docker CLI
function docker(target, args, { stdinFile, countStdout = false, timeoutMs = 300_000 } = {}) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(CLI, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', DOCKER_HOST: target.host, DOCKER_BUILDKIT: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdoutBytes = 0;
    const stdout = [];
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdoutBytes += chunk.length;
      if (!countStdout) stdout.push(chunk);
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`docker ${args.join(' ')} via ${target.name}: exit ${code}: ${stderr.slice(0, 500)}`));
      else resolveRun({ stdout: Buffer.concat(stdout).toString().trim(), stdoutBytes });
    });
    child.stdin.on('error', () => undefined);
    if (stdinFile) createReadStream(stdinFile).pipe(child.stdin);
    else child.stdin.end();
  });
}

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, value };
}

// ---------------------------------------------------------------------------------------------- fixtures
function busyboxRootfs(dir, extra) {
  const root = join(dir, 'rootfs');
  for (const sub of ['bin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev']) mkdirSync(join(root, sub), { recursive: true });
  execFileSync('cp', ['/bin/busybox', join(root, 'bin', 'busybox')]);
  for (const applet of execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    if (applet !== 'busybox') symlinkSync('busybox', join(root, 'bin', applet));
  }
  extra?.(root);
  const tarball = join(dir, 'rootfs.tar');
  execFileSync('tar', ['-C', root, '-cf', tarball, '.']);
  rmSync(root, { recursive: true, force: true });
  return tarball;
}

function randomFile(path, mib) {
  execFileSync('head', ['-c', String(mib * MiB), '/dev/urandom'], { stdio: ['ignore', openSync(path, 'w'), 'inherit'] });
  return path;
}

async function prepare(stack) {
  const [direct, , service] = stack.targets;
  const work = join(stack.baseDir, 'bench');
  mkdirSync(work);
  log('importing the test images');
  const small = busyboxRootfs(join(work, 'small'), undefined);
  await docker(service, ['import', small, 'dind-bench/busybox:latest']);
  const bigTar = busyboxRootfs(join(work, 'big'), (root) => randomFile(join(root, 'big.bin'), SIZES.bigMiB));
  await docker(direct, ['import', bigTar, 'dind-bench/big:latest']);
  rmSync(bigTar);
  const savedImage = join(work, 'big-image.tar');
  await docker(direct, ['save', '-o', savedImage, 'dind-bench/big:latest']);
  const cpInFile = randomFile(join(work, 'cp-in.bin'), SIZES.bigMiB);

  // The body the docker 20.10 CLI sends for `docker create img`, with our image.
  const fixture = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'allowed', 'docker-cli-20.10-v1.41-create-plain.json'), 'utf8'));
  const createBody = (overrides = {}) => ({ ...fixture.request.body, Image: 'dind-bench/busybox:latest', ...overrides });

  log(`creating ${SIZES.containers} containers to list`);
  const listed = [];
  for (let i = 0; i < SIZES.containers; i++) listed.push((await expectOk(service, 'POST', `${API}/containers/create`, createBody({ Cmd: ['true'] }))).Id);

  // Through the service, so that it passes the policy for every target.
  const cpContainer = (await expectOk(service, 'POST', `${API}/containers/create`, { ...createBody({ Cmd: ['true'] }), Image: 'dind-bench/big:latest' })).Id;
  const attachTarget = (await expectOk(service, 'POST', `${API}/containers/create`, createBody({ Cmd: ['sleep', '3600'] }))).Id;
  await expectOk(service, 'POST', `${API}/containers/${attachTarget}/start`);

  // The logs container writes past the policy's log rotation (30 MB), so it is made on the daemon's socket.
  log(`a container prints ${SIZES.logMiB} MiB of log`);
  const line = '0123456789abcdef'.repeat(6) + '0123456789abcde'; // 111 characters and a newline
  const logger = (
    await expectOk(direct, 'POST', `${API}/containers/create`, {
      Image: 'dind-bench/busybox:latest',
      Cmd: ['sh', '-c', `yes ${line} | head -c ${SIZES.logMiB * MiB}`],
      HostConfig: { LogConfig: { Type: 'json-file', Config: {} } },
    })
  ).Id;
  await expectOk(direct, 'POST', `${API}/containers/${logger}/start`);
  await expectOk(direct, 'POST', `${API}/containers/${logger}/wait`);
  return { savedImage, cpInFile, listed, cpContainer, attachTarget, logger, createBody };
}

// ---------------------------------------------------------------------------------------------- hijacked streams
/** Opens `count` attach streams at once; resolves with the time until all were upgraded and the sockets. */
async function openAttachStreams(target, container, count) {
  const sockets = [];
  const t0 = process.hrtime.bigint();
  const opened = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      new Promise((resolveOpen, reject) => {
        // The service counts streams per client address (CLIENT_MAX_STREAMS): spread them over four loopback addresses.
        const socket = target.socketPath
          ? net.connect({ path: target.socketPath })
          : net.connect({ host: target.hostname, port: target.port, localAddress: `127.0.0.${1 + (i % 4)}` });
        sockets.push(socket);
        let head = '';
        socket.setTimeout(60_000, () => socket.destroy(new Error('timeout')));
        socket.on('error', reject);
        socket.on('close', () => reject(new Error('closed before the upgrade')));
        socket.on('data', function onData(chunk) {
          head += chunk.toString('latin1');
          if (!head.includes('\r\n\r\n')) return;
          socket.off('data', onData);
          socket.setTimeout(0);
          if (/^HTTP\/1\.1 101/.test(head)) resolveOpen();
          else reject(new Error(head.split('\r\n')[0]));
        });
        socket.on('connect', () =>
          socket.write(
            `POST ${API}/containers/${container}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`,
          ),
        );
      }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const failures = opened.filter((o) => o.status === 'rejected');
  await sleep(500);
  const live = sockets.filter((s) => !s.destroyed).length;
  return { seconds, live, failed: failures.length, firstFailure: failures[0]?.reason?.message, sockets };
}

const closeAll = async (sockets) => {
  for (const s of sockets) s.destroy();
  await sleep(300);
};

// ---------------------------------------------------------------------------------------------- memory
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

function sampleRss(pid) {
  let peak = rssMiB(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {
      // Gone.
    }
  }, 100);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

// ---------------------------------------------------------------------------------------------- the run
const THROUGHPUT = 'higher';
const LATENCY = 'lower';

async function measure(stack, fx) {
  const results = new Map(); // workload -> { kind, unit, values: { target: number[] } }
  const record = (workload, unit, kind, target, value) => {
    if (!results.has(workload)) results.set(workload, { unit, kind, values: {} });
    (results.get(workload).values[target.name] ??= []).push(value);
  };
  const endpoints = [
    ['/_ping', '/_ping'],
    ['/version', `${API}/version`],
    [`/containers/json?all=1 (${SIZES.containers} containers)`, `${API}/containers/json?all=1`],
    ['/containers/{id}/json', `${API}/containers/${fx.listed[0]}/json`],
  ];
  for (let rep = 0; rep < REPS; rep++) {
    // Interleaved: each workload runs on every target in turn, the order rotating per repetition.
    const order = stack.targets.map((_, i) => stack.targets[(i + rep) % stack.targets.length]);
    log(`repetition ${rep + 1}/${REPS}: ${order.map((t) => t.name).join(', ')}`);
    for (const [label, path] of endpoints) {
      for (const target of order) {
        const one = await oneConnection(target, path);
        record(`${label} p50, 1 connection`, 'ms', LATENCY, target, one.p50);
        record(`${label} req/s, 1 connection`, '/s', THROUGHPUT, target, one.rps);
      }
      for (const target of order) {
        const many = await cannon(target, path, 32);
        // No p50 here: autocannon's histogram counts whole milliseconds, below the daemon's own latency.
        record(`${label} req/s, 32 connections`, '/s', THROUGHPUT, target, many.rps);
      }
    }
    for (const target of order) {
      const cycles = [];
      for (let i = 0; i < SIZES.cycles; i++) {
        const t0 = process.hrtime.bigint();
        const { Id } = await expectOk(target, 'POST', `${API}/containers/create`, fx.createBody({ Cmd: ['true'] }));
        await expectOk(target, 'DELETE', `${API}/containers/${Id}?force=1`);
        cycles.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      cycles.sort((a, b) => a - b);
      record('create + delete cycle p50', 'ms', LATENCY, target, cycles[Math.floor(cycles.length / 2)]);
    }
    const mibps = (bytes, seconds) => bytes / MiB / seconds;
    const imageBytes = statSync(fx.savedImage).size;
    for (const target of order) {
      const save = await timed(() => docker(target, ['save', 'dind-bench/big:latest'], { countStdout: true }));
      record('`docker save` MiB/s', 'MiB/s', THROUGHPUT, target, mibps(save.value.stdoutBytes, save.seconds));
    }
    for (const target of order) {
      const load = await timed(() => docker(target, ['load'], { stdinFile: fx.savedImage }));
      record('`docker load` MiB/s', 'MiB/s', THROUGHPUT, target, mibps(imageBytes, load.seconds));
    }
    for (const target of order) {
      const out = await timed(() => docker(target, ['cp', `${fx.cpContainer}:/big.bin`, '-'], { countStdout: true }));
      record('`docker cp` out MiB/s', 'MiB/s', THROUGHPUT, target, mibps(out.value.stdoutBytes, out.seconds));
    }
    for (const target of order) {
      const into = await timed(() => docker(target, ['cp', fx.cpInFile, `${fx.cpContainer}:/tmp/in.bin`]));
      record('`docker cp` in MiB/s', 'MiB/s', THROUGHPUT, target, mibps(statSync(fx.cpInFile).size, into.seconds));
    }
    for (const target of order) {
      const logs = await timed(() => docker(target, ['logs', fx.logger], { countStdout: true }));
      record('`docker logs` MiB/s', 'MiB/s', THROUGHPUT, target, mibps(logs.value.stdoutBytes, logs.seconds));
    }
    for (const target of order) {
      // `docker start -ai` of a `cat`: the file goes in on stdin and comes back on stdout.
      const id = (await docker(stack.targets[2], ['create', '-i', '--log-driver', 'none', 'dind-bench/busybox:latest', 'cat'])).stdout;
      const echo = await timed(() => docker(target, ['start', '-ai', id], { stdinFile: fx.cpInFile, countStdout: true }));
      if (echo.value.stdoutBytes !== statSync(fx.cpInFile).size) throw new Error(`attach via ${target.name} echoed ${echo.value.stdoutBytes} bytes`);
      record('attach stdin→stdout MiB/s', 'MiB/s', THROUGHPUT, target, mibps(echo.value.stdoutBytes, echo.seconds));
      await expectOk(stack.targets[0], 'DELETE', `${API}/containers/${id}?force=1`);
    }
    for (const target of order) {
      const peak = target.name === 'service' ? sampleRss(stack.servicePid) : target.name === 'floor' && stack.floorPid ? sampleRss(stack.floorPid) : undefined;
      const streams = await openAttachStreams(target, fx.attachTarget, SIZES.streams);
      if (streams.failed > 0) log(`${target.name}: ${streams.failed} of ${SIZES.streams} attach streams failed (${streams.firstFailure})`);
      record(`${SIZES.streams} attach streams, s to open all`, 's', LATENCY, target, streams.seconds);
      record(`${SIZES.streams} attach streams, live`, '', THROUGHPUT, target, streams.live);
      // The burst on top of the open streams is what "under load" means for memory.
      // From one address on top of a quarter of the streams: the service's per-client limits may refuse some (429).
      const burst = await cannon(target, '/_ping', SIZES.burst, Math.max(1, SECONDS), true);
      record(`${SIZES.burst}-connection /_ping burst beside the streams, refused`, '', LATENCY, target, burst.refused);
      await closeAll(streams.sockets);
      if (peak) record(`RSS under load (${SIZES.streams} streams + ${SIZES.burst}-connection burst), MiB`, 'MiB', LATENCY, target, peak());
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------- the table
const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const range = (values) => {
  if (!values?.length) return '—';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi || fmt(lo) === fmt(hi) ? fmt(lo) : `${fmt(lo)}–${fmt(hi)}`;
};
const ratios = (a, b) => (a && b ? a.map((v, i) => v / b[i]).filter(Number.isFinite) : undefined);
const ratioRange = (values) => {
  if (!values?.length) return '—';
  const lo = Math.min(...values).toFixed(2);
  const hi = Math.max(...values).toFixed(2);
  return lo === hi ? `${lo}×` : `${lo}–${hi}×`;
};

function table(results, idle) {
  const lines = [
    '| Workload | direct | floor | dind-service | floor / direct | service / direct | service / floor |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [workload, { unit, values }] of results) {
    const { direct, floor, service } = values;
    const u = unit && unit !== 'MiB' ? ` ${unit}` : '';
    lines.push(
      `| ${workload} | ${direct ? range(direct) + u : '—'} | ${range(floor)}${floor ? u : ''} | ${range(service)}${service ? u : ''} | ${ratioRange(ratios(floor, direct))} | ${ratioRange(ratios(service, direct))} | ${ratioRange(ratios(service, floor))} |`,
    );
  }
  lines.push(`| RSS idle (20 s after start), MiB | — | ${range(idle.floor)} | ${range(idle.service)} | — | — | ${ratioRange(ratios(idle.service, idle.floor))} |`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------- the profile
function categorise(frame) {
  const { functionName, url } = frame;
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'node internals (native, (program))';
  if (functionName === '(root)') return 'idle';
  if (!url) return 'node internals (native)';
  if (url.startsWith('node:')) return 'node internals (JS)';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (dep) {
    if (dep.startsWith('@nestjs/') || /^(express|router|body-parser|finalhandler|send|serve-static|path-to-regexp|qs|type-is|accepts|content-type|raw-body|iconv-lite|on-finished|depd|debug|ms|mime-types|mime-db|parseurl|encodeurl|escape-html|etag|fresh|range-parser|proxy-addr|forwarded|ipaddr\.js|cookie|vary|merge-descriptors|methods|statuses|http-errors|setprototypeof|toidentifier|utils-merge|content-disposition|negotiator|media-typer|rxjs|tslib|reflect-metadata|safe-buffer|iterare|uid|fast-safe-stringify|path-is-absolute|object-inspect|side-channel.*|call-bind.*|get-intrinsic|has-symbols|function-bind|es-.*|gopd|hasown|dunder-proto|math-intrinsics)$/.test(dep))
      return 'express/nest';
    if (dep === 'http-proxy' || dep === 'eventemitter3' || dep === 'requires-port' || dep === 'follow-redirects') return 'http-proxy';
    if (dep === 'class-validator' || dep === 'class-transformer' || dep === 'validator' || dep === 'libphonenumber-js') return 'class-validator';
    if (dep === 'prom-client' || dep === 'tdigest' || dep === 'bintrees') return 'prom-client';
    if (dep === 'better-sqlite3' || dep === 'bindings' || dep === 'file-uri-to-path') return 'better-sqlite3';
    return `other dependency (${dep})`;
  }
  if (url.includes('/dist/')) return 'our code';
  return 'other';
}

function summariseProfile(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byCategory = new Map();
  const byFrame = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    const category = categorise(callFrame);
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
    const where = callFrame.url ? `${callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${callFrame.lineNumber + 1}` : '';
    const key = `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
    byFrame.set(key, { us: (byFrame.get(key)?.us ?? 0) + us, category });
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1)} %`;
  const lines = ['| Where | self time |', '| --- | --- |'];
  let rest = 0;
  for (const [category, us] of [...byCategory].sort((a, b) => b[1] - a[1])) {
    if (us / total >= 0.005) lines.push(`| ${category} | ${pct(us)} |`);
    else rest += us;
  }
  if (rest > 0) lines.push(`| everything else (each under 0.5 %) | ${pct(rest)} |`);
  lines.push('', '| Top self-time frames | module | self time |', '| --- | --- | --- |');
  for (const [frame, { us, category }] of [...byFrame].sort((a, b) => b[1].us - a[1].us).slice(0, 15)) lines.push(`| \`${frame}\` | ${category} | ${pct(us)} |`);
  return `Profile ${(total / 1e6).toFixed(1)} s of samples.\n\n${lines.join('\n')}`;
}

// ---------------------------------------------------------------------------------------------- main
async function main() {
  const t0 = Date.now();
  if (option('--summarise')) {
    process.stdout.write(`${summariseProfile(option('--summarise'))}\n`);
    return;
  }
  const stack = await startStack();
  const [direct, floor, service] = stack.targets;
  log(`direct ${direct.host}, floor ${floor.host}, service ${service.host}`);
  if (PROFILE) {
    log(`profiling the service at 32 connections on /_ping for ${Math.max(10, SECONDS)} s`);
    await cannon(service, '/_ping', 32, 2); // warm-up
    await cannon(service, '/_ping', 32, Math.max(10, SECONDS));
    await stopPid(stack.servicePid, 60_000);
    const written = readdirSync(stack.profileDir).filter((f) => f.endsWith('.cpuprofile'));
    if (written.length === 0) throw new Error('the service wrote no CPU profile');
    const largest = written.map((f) => join(stack.profileDir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0];
    const summary = summariseProfile(largest);
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT.replace(/\.md$/, '') + '.profile.md', `${summary}\n`);
    process.stdout.write(`${summary}\n`);
    return;
  }
  // Idle means settled: V8 returns start-up's garbage to the system only when
  // its memory reducer runs, some 10 to 15 s after the heap stops growing.
  await sleep(SMOKE ? 1000 : 20_000);
  const idle = { service: [rssMiB(stack.servicePid)], floor: stack.floorPid ? [rssMiB(stack.floorPid)] : undefined };
  const fx = await prepare(stack);
  const results = await measure(stack, fx);
  const engine = execFileSync(CLI, ['version', '--format', '{{.Server.Version}}'], { env: { ...process.env, DOCKER_HOST: direct.host }, encoding: 'utf8' }).trim();
  const header = [
    `Run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; engine ${engine}; ${REPS} repetition(s), figures min–max; ` +
      `${SECONDS} s per load run; Node ${process.version}; ${(await import('node:os')).cpus().length} cores${SMOKE ? '; SMOKE RUN (tiny sizes, not a measurement)' : ''}.`,
    `Took ${Math.round((Date.now() - t0) / 1000)} s.`,
    '',
  ];
  const markdown = `${header.join('\n')}\n${table(results, idle)}\n`;
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, markdown);
  process.stdout.write(markdown);
  log(`written to ${OUT}`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  log(`failed: ${error.stack ?? error}`);
  const serviceLog = started.baseDir && join(started.baseDir, 'service.log');
  if (serviceLog && existsSync(serviceLog)) log(`the service's log ended:\n${readFileSync(serviceLog, 'utf8').split('\n').slice(-25).join('\n')}`);
  exitCode = 1;
} finally {
  for (const agent of agents.values()) agent.destroy();
  await cleanup();
}
process.exit(exitCode);
