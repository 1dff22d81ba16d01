import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';

const state = e2eState();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const transports = [
  ['tcp', state.tcpHost],
  ['unix', state.unixHost],
] as const;
const cases = state.clis.flatMap((cli) => transports.map(([transport, host]) => ({ cli, transport, host })));

describe('websocket attach', () => {
  it('upgrades GET /containers/{id}/attach/ws through the same policy and splices the frames', async () => {
    const id = text(await docker(state.clis[0], state.tcpHost, ['run', '-d', state.image, 'sh', '-c', 'sleep 1; echo ws-output; sleep 2']));
    const socket = connect({ host: '127.0.0.1', port: state.apiPort });
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    socket.write(
      `GET /v1.41/containers/${id}/attach/ws?stream=1&stdout=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://docker\r\n\r\n',
    );
    await new Promise((resolve) => setTimeout(resolve, 2500));
    socket.destroy();
    const bytes = Buffer.concat(received).toString('latin1');
    expect(bytes).toMatch(/^HTTP\/1.1 101 Switching Protocols/);
    expect(bytes).toContain('ws-output');
    await docker(state.clis[0], state.tcpHost, ['rm', '-f', id]);
  });
});

describe.each(cases)('docker CLI $cli through the proxy over $transport', ({ cli, host }) => {
  const run = (args: string[], options?: Parameters<typeof docker>[3]) => docker(cli, host, args, options);

  it('runs a container and prints its output', async () => {
    const result = await run(['run', '--rm', state.image, 'echo', 'hi']);
    expect(result.stderr).toBe('');
    expect(text(result)).toBe('hi');
  });

  it('propagates a non-zero exit code', async () => {
    const result = await run(['run', '--rm', state.image, 'sh', '-c', 'exit 3']);
    expect(result.code).toBe(3);
  });

  it('round-trips a multi-megabyte stdin through `run -i` with the half-close intact', async () => {
    const payload = randomBytes(4 * 1024 * 1024);
    const result = await run(['run', '--rm', '-i', state.image, 'cat'], { input: payload });
    expect(result.code).toBe(0);
    expect(sha256(result.stdout)).toBe(sha256(payload));
  });

  it('follows the logs of a detached container until it exits', async () => {
    const started = await run(['run', '-d', state.image, 'sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.2; done']);
    expect(started.code).toBe(0);
    const id = text(started);
    const logs = await run(['logs', '-f', id]);
    expect(text(logs).split('\n')).toEqual(['line1', 'line2', 'line3']);
    expect((await run(['rm', '-f', id])).code).toBe(0);
  });

  it('execs into a running container, with and without a tty', async () => {
    const started = await run(['run', '-d', state.image, 'sleep', '60']);
    const id = text(started);
    try {
      const plain = await run(['exec', id, 'sh', '-c', 'echo exec-ok; exit 4']);
      expect(plain.stderr).toBe('');
      expect(text(plain)).toBe('exec-ok');
      expect(plain.code).toBe(4);
      const tty = await run(['exec', '-t', id, 'echo', 'tty-ok']);
      expect(tty.code).toBe(0);
      // A tty turns \n into \r\n.
      expect(tty.stdout.toString()).toBe('tty-ok\r\n');
      const stdin = await run(['exec', '-i', id, 'wc', '-c'], { input: 'twelve bytes' });
      expect(text(stdin)).toBe('12');
    } finally {
      await run(['rm', '-f', id]);
    }
  });

  it('attaches to a running container and sees its output', async () => {
    const started = await run(['run', '-d', state.image, 'sh', '-c', 'sleep 1; echo attached-output']);
    const id = text(started);
    const attached = await run(['attach', id]);
    expect(text(attached)).toBe('attached-output');
    await run(['rm', '-f', id]);
  });

  it('copies files into and out of a container unchanged', async () => {
    const dir = mkdtempSync(join(state.baseDir, 'cp-'));
    const payload = randomBytes(2 * 1024 * 1024);
    writeFileSync(join(dir, 'in.bin'), payload);
    const created = await run(['create', state.image, 'true']);
    const id = text(created);
    try {
      expect((await run(['cp', join(dir, 'in.bin'), `${id}:/tmp/in.bin`])).code).toBe(0);
      expect((await run(['cp', `${id}:/tmp/in.bin`, join(dir, 'out.bin')])).code).toBe(0);
      expect(sha256(readFileSync(join(dir, 'out.bin')))).toBe(sha256(payload));
    } finally {
      await run(['rm', '-f', id]);
    }
  });

  it('builds an image with the classic builder FROM the test image', async () => {
    const dir = mkdtempSync(join(state.baseDir, 'build-'));
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${state.image}\nRUN echo built > /built.txt\nCMD ["cat", "/built.txt"]\n`);
    const tag = `dind-test/built-${Math.random().toString(36).slice(2, 8)}`;
    const build = await run(['build', '-t', tag, dir], { timeoutMs: 120_000 });
    expect(build.stderr).not.toMatch(/denied/);
    expect(build.code).toBe(0);
    expect(text(await run(['run', '--rm', tag]))).toBe('built');
    await run(['rmi', tag]);
  });

  it('saves an image and loads it back', async () => {
    const tag = `dind-test/saved-${Math.random().toString(36).slice(2, 8)}`;
    expect((await run(['tag', state.image, tag])).code).toBe(0);
    const saved = await run(['save', tag]);
    expect(saved.code).toBe(0);
    expect(saved.stdout.length).toBeGreaterThan(500_000);
    expect((await run(['rmi', tag])).code).toBe(0);
    const loaded = await run(['load'], { input: saved.stdout });
    expect(text(loaded)).toContain(`Loaded image: ${tag}`);
    expect(text(await run(['image', 'inspect', '--format', '{{.Id}}', tag]))).toMatch(/^sha256:/);
    await run(['rmi', tag]);
  });

  it('streams events', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const created = await run(['create', '--name', `ev-${Math.random().toString(36).slice(2, 8)}`, state.image, 'true']);
    const id = text(created);
    await run(['rm', id]);
    const until = Math.floor(Date.now() / 1000) + 1;
    const events = await run(['events', '--since', String(since), '--until', String(until), '--filter', `container=${id}`, '--format', '{{.Action}}']);
    expect(text(events).split('\n')).toEqual(expect.arrayContaining(['create', 'destroy']));
  });
});
