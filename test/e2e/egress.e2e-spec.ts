import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { processesMentioning } from '../support/leftovers';
import { putNameserverFirst, restoreMachineResolver } from '../support/machine-resolver';

// The request-time checks see the first address only. Here the first address is
// an ordinary container, allowed, which answers with a redirect into the
// service's neighbourhood: only the kernel rules for the daemon's group stand
// between the daemon and the listener.

const state = e2eState();
const cli = state.clis[0];
const run = (args: string[], timeoutMs = 60_000) => docker(cli, state.tcpHost, args, { timeoutMs });

/** A listener that records every connection made to it. */
class Recorder {
  readonly connections: string[] = [];
  private readonly open = new Set<Socket>();
  private readonly server: Server = createServer((socket: Socket) => {
    this.connections.push(`${socket.remoteAddress}:${socket.remotePort}`);
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });

  listen(host: string): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, host, () => resolve((this.server.address() as AddressInfo).port)));
  }

  /** A peer whose network namespace went away never sends its FIN: do not wait for it. */
  close(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// busybox httpd runs /cgi-bin/r, which redirects to whatever its query string names;
// /x.tar is a small valid archive, for the redirects that should work.
const REDIRECTOR = [
  'mkdir -p /w/cgi-bin',
  `printf '#!/bin/sh\\nprintf "Status: 302 Found\\\\r\\\\nLocation: %%s\\\\r\\\\n\\\\r\\\\n" "$QUERY_STRING"\\n' > /w/cgi-bin/r`,
  'chmod +x /w/cgi-bin/r',
  'tar -cf /w/x.tar -C /w cgi-bin',
  'exec httpd -f -p 8080 -h /w',
].join(' && ');

interface DnsQuery {
  readonly name: string;
  readonly type: number;
  readonly answer: string | null;
}

/**
 * The rebinding nameserver (test/support/rebinding-dns.mjs), run inside a
 * container's network namespace: an address on the daemon's bridge, which the
 * egress rules let the daemon reach, like any resolver outside the service.
 */
async function startNameserver(containerPid: number, answers: Record<string, string[]>): Promise<{ process: ChildProcess; queries: DnsQuery[] }> {
  const child = spawn('nsenter', [`--net=/proc/${containerPid}/ns/net`, process.execPath, join(__dirname, '..', 'support', 'rebinding-dns.mjs'), JSON.stringify(answers)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const queries: DnsQuery[] = [];
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the test nameserver exited (${code})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line);
      if (entry.listening) resolve();
      else queries.push(entry);
    });
  });
  return { process: child, queries };
}

/** Packets the daemon's group had refused so far, per chain rule (IPv4). */
function refusals(): number {
  let listing: string;
  try {
    listing = execFileSync('iptables', ['-w', '-nvxL', 'DIND-EGRESS'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    // No chain (EGRESS_ENFORCEMENT=off): nothing refused.
    return 0;
  }
  return listing
    .split('\n')
    .filter((line) => line.includes('REJECT'))
    .reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[0]), 0);
}

describe('the daemon cannot dial the neighbourhood, however the address reaches it', () => {
  const loopback = new Recorder();
  const everywhere = new Recorder();
  let loopbackPort: number;
  let everywherePort: number;
  let redirector: string;
  let origin: string;
  let gateway: string;

  beforeAll(async () => {
    loopbackPort = await loopback.listen('127.0.0.1');
    everywherePort = await everywhere.listen('0.0.0.0');
    const name = `egress-redirector-${process.pid}`;
    const started = await run(['run', '-d', '--name', name, state.image, 'sh', '-c', REDIRECTOR]);
    expect(started.stderr).toBe('');
    redirector = name;
    const address = text(await run(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', name]));
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    origin = `http://${address}:8080`;
    gateway = text(await run(['inspect', '-f', '{{.NetworkSettings.Gateway}}', name]));
    expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // httpd is up once the archive is served.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !(await fetch(`${origin}/x.tar`).then((r) => r.ok).catch(() => false))) await new Promise((r) => setTimeout(r, 200));
  });

  afterAll(async () => {
    if (redirector) await run(['rm', '-f', redirector]);
    await loopback.close();
    await everywhere.close();
  });

  it('runs dockerd and the containerd it starts with the egress group as their one supplementary group, root as their own', () => {
    const gid = Number(state.serviceEnv.DOCKERD_EGRESS_GID ?? 2375);
    const daemons = processesMentioning(state.runDir).filter(({ cmdline }) => /(^|\/)(dockerd|containerd) /.test(cmdline));
    expect(daemons.map(({ cmdline }) => cmdline.split(' ')[0].split('/').pop()).sort()).toEqual(['containerd', 'dockerd']);
    for (const { pid } of daemons) {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const gids = /^Gid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status)!.slice(1).map(Number);
      expect(gids).toEqual([0, 0, 0, 0]);
      expect(/^Groups:\s*(.*)$/m.exec(status)![1].trim()).toBe(String(gid));
    }
  });

  it('follows a redirect to an allowed address (the redirector serves the archive itself)', async () => {
    const result = await run(['import', `${origin}/cgi-bin/r?${origin}/x.tar`, 'egress/followed:1']);
    expect(result.stderr).toBe('');
    expect(text(await run(['images', '-q', 'egress/followed:1']))).not.toBe('');
    await run(['rmi', 'egress/followed:1']);
  });

  it.each([
    ['loopback', () => `http://127.0.0.1:${loopbackPort}/x.tar`, () => loopback],
    ["the bridge gateway (one of the service's own addresses)", () => `http://${gateway}:${everywherePort}/x.tar`, () => everywhere],
  ])('refuses an import redirected to %s: the listener records nothing', async (_where, target, recorder) => {
    const before = refusals();
    const result = await run(['import', `${origin}/cgi-bin/r?${target()}`, 'egress/redirected:1']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/connection refused|connection reset/);
    expect(recorder().connections).toEqual([]);
    expect(refusals()).toBeGreaterThan(before);
    expect(text(await run(['images', '-q', 'egress/redirected:1']))).toBe('');
  });

  it("refuses an import redirected to the service's own API port on the bridge gateway", async () => {
    const before = refusals();
    const result = await run(['import', `${origin}/cgi-bin/r?http://${gateway}:${state.apiPort}/x.tar`, 'egress/redirected:2']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/connection refused|connection reset/);
    // The service itself cuts connections from the bridge's addresses before it
    // records them, so its log cannot tell; the rule's counter can.
    expect(refusals()).toBeGreaterThan(before);
  });

  it('refuses a classic build whose ADD URL redirects to loopback: the listener records nothing', async () => {
    const before = refusals();
    const dockerfile = `FROM ${state.image}\nADD ${origin}/cgi-bin/r?http://127.0.0.1:${loopbackPort}/secret /secret\n`;
    const result = await docker(cli, state.tcpHost, ['build', '-t', 'egress/added:1', '-'], { input: dockerfile, timeoutMs: 120_000 });
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout.toString()).toMatch(/connection refused|connection reset/);
    expect(loopback.connections).toEqual([]);
    expect(refusals()).toBeGreaterThan(before);
  });

  it('builds with an ADD URL that redirects to an allowed address', async () => {
    const dockerfile = `FROM ${state.image}\nADD ${origin}/cgi-bin/r?${origin}/x.tar /x.tar\nRUN tar -tf /x.tar | grep -q cgi-bin/r\n`;
    const result = await docker(cli, state.tcpHost, ['build', '-t', 'egress/added:2', '-'], { input: dockerfile, timeoutMs: 120_000 });
    expect(result.stderr).toBe('');
    await run(['rmi', 'egress/added:2']);
  });

  it('refuses an import whose name rebinds to loopback after the proxy resolved it: the listener records nothing', async () => {
    // The redirector container also serves the archive on the loopback listener's
    // port, so that only the address differs between the two answers.
    await run(['exec', '-d', redirector, 'httpd', '-f', '-p', String(loopbackPort), '-h', '/w']);
    const address = new URL(origin).hostname;
    const pid = Number(text(await run(['inspect', '-f', '{{.State.Pid}}', redirector])));
    const nameserver = await startNameserver(pid, { 'steady.test': [address], 'rebind.test': [address, '127.0.0.1'] });
    try {
      putNameserverFirst(state.baseDir, address);
      // Go's resolver re-reads resolv.conf at most every 5 s, and Docker 20.10's
      // (Go 1.19) answers its first lookup from the copy it read at start: one
      // lookup to wake it, then the wait.
      await run(['import', `http://steady.test:${loopbackPort}/x.tar`, 'egress/steady:1']);
      await new Promise((resolve) => setTimeout(resolve, 5_500));

      // The control: a name that keeps its address, resolved by proxy and daemon alike.
      const asked = nameserver.queries.length;
      const steady = await run(['import', `http://steady.test:${loopbackPort}/x.tar`, 'egress/steady:1']);
      expect(steady.stderr).toBe('');
      expect(nameserver.queries.slice(asked).filter((q) => q.name === 'steady.test' && q.type === 1).length).toBeGreaterThanOrEqual(2);
      await run(['rmi', 'egress/steady:1']);

      const before = refusals();
      const rebound = await run(['import', `http://rebind.test:${loopbackPort}/x.tar`, 'egress/rebound:1']);
      expect(rebound.code).not.toBe(0);
      expect(rebound.stderr).toContain(`dial tcp 127.0.0.1:${loopbackPort}: connect: connection refused`);
      const answers = nameserver.queries.filter((q) => q.name === 'rebind.test' && q.type === 1).map((q) => q.answer);
      console.log(`rebinding: rebind.test answered ${JSON.stringify(answers)}; docker import: ${rebound.stderr.trim()}; loopback listener connections: ${loopback.connections.length}`);
      // The proxy was told the container's address and let the request through; the daemon was told loopback.
      expect(answers[0]).toBe(address);
      expect(answers.slice(1)).toContain('127.0.0.1');
      expect(loopback.connections).toEqual([]);
      expect(refusals()).toBeGreaterThan(before);
      expect(text(await run(['images', '-q', 'egress/rebound:1']))).toBe('');
    } finally {
      restoreMachineResolver(state.baseDir);
      nameserver.process.kill();
    }
  });

  it("gives what dockerd creates for a container root's group, not the egress group", async () => {
    const volume = `egress-vol-${process.pid}`;
    const result = await run(['run', '--rm', '-v', `${volume}:/made-by-volume`, '--tmpfs', '/made-by-tmpfs', '-w', '/made-by-workdir', state.image,
      'stat', '-c', '%n %u:%g', '/made-by-volume', '/made-by-tmpfs', '/made-by-workdir', '/etc/hosts', '/etc/resolv.conf', '/etc/hostname']);
    await run(['volume', 'rm', volume]);
    expect(text(result).split('\n')).toEqual(['/made-by-volume', '/made-by-tmpfs', '/made-by-workdir', '/etc/hosts', '/etc/resolv.conf', '/etc/hostname'].map((path) => `${path} 0:0`));
  });

  it("leaves containers' own traffic alone: a container still reaches a listener on the gateway", async () => {
    const before = everywhere.connections.length;
    // busybox wget exited 139 (SIGSEGV) against this listener, on 20.10 and 26; nc only connects.
    const result = await run(['run', '--rm', state.image, 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${gateway} ${everywherePort}`]);
    expect(result.stdout.toString()).toContain('200 OK');
    expect(everywhere.connections).toHaveLength(before + 1);
  });
});
