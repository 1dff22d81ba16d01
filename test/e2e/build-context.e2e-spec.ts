import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { sampleValue } from '../support/metrics-text';

const state = e2eState();
const auth = { Authorization: `Bearer ${state.adminToken}` };
const scrape = async () => (await fetch(`${state.adminUrl}/metrics`)).text();
const audit = async (path: string) => (await fetch(`${state.adminUrl}/audit${path}`, { headers: auth })).json() as Promise<any>;
const requestIdOf = (message: string) => /\[request id ([0-9a-f]+)\]/.exec(message)?.[1];
const tagOf = (name: string) => `dind-test/ctx-${name}-${Math.random().toString(36).slice(2, 8)}`;

function contextDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(state.baseDir, 'build-ctx-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

interface RefusedCase {
  readonly name: string;
  readonly files: Record<string, string>;
  readonly args: readonly string[];
  readonly field: string;
}

const refused: readonly RefusedCase[] = [
  { name: 'from-localhost', files: { Dockerfile: 'FROM localhost:5000/x\n' }, args: [], field: 'Dockerfile:1 FROM' },
  {
    name: 'from-build-arg',
    files: { Dockerfile: 'ARG REG\nFROM ${REG}/x\n' },
    args: ['--build-arg', 'REG=127.0.0.1:5000'],
    field: 'Dockerfile:2 FROM',
  },
  { name: 'add-metadata', files: { Dockerfile: `FROM ${state.image}\nADD http://169.254.169.254/x /x\n` }, args: [], field: 'Dockerfile:2 ADD' },
  {
    name: 'copy-from-image',
    files: { Dockerfile: `FROM ${state.image}\nCOPY --from=127.0.0.1:5000/y /a /b\n`, a: 'a' },
    args: [],
    field: 'Dockerfile:2 COPY --from',
  },
  { name: 'gzip-context', files: { Dockerfile: 'FROM localhost:5000/x\n' }, args: ['--compress'], field: 'Dockerfile:1 FROM' },
  {
    name: 'other-dockerfile',
    files: { Dockerfile: `FROM ${state.image}\n`, 'sub/Other.dockerfile': '# bad\nFROM [::1]:5000/x AS a\n' },
    args: ['-f', 'sub/Other.dockerfile'],
    field: 'sub/Other.dockerfile:2 FROM',
  },
];

describe.each(state.clis.map((cli) => ({ cli })))('classic builds through $cli: the Dockerfile inside the context is inspected', ({ cli }) => {
  const run = (args: readonly string[], options?: Parameters<typeof docker>[3]) => docker(cli, state.tcpHost, args, options);

  it.each(refused)('refuses $name and builds nothing', async ({ name, files, args, field }) => {
    const tag = tagOf(name);
    const dir = contextDir(files);
    // -f is relative to the working directory; the CLI sends it relative to the context.
    const resolved = args.map((arg, i) => (args[i - 1] === '-f' ? join(dir, arg) : arg));
    const build = await run(['build', '-t', tag, ...resolved, dir], { timeoutMs: 120_000 });
    expect(build.code).not.toBe(0);
    expect(build.stderr).toContain('dind-service policy denied the request');
    expect(build.stderr).toContain(field);
    expect(build.stderr).toContain('(rule remote-address)');
    expect((await run(['image', 'inspect', tag])).code).not.toBe(0);
    const requestId = requestIdOf(build.stderr);
    expect(requestId).toBeDefined();
    expect(await audit(`/${requestId}`)).toMatchObject({ decision: 'denied', rules: ['remote-address'], route: '/build', status: 403 });
  });

  it('builds an allowed multi-stage context (stage names are not images)', async () => {
    const tag = tagOf('multi');
    const dir = contextDir({
      Dockerfile: `ARG BASE=${state.image}\nFROM \${BASE} AS a\nRUN echo from-a > /a.txt\n\nfrom ${state.image}\nCOPY --from=a /a.txt /b.txt\nCMD ["cat", "/b.txt"]\n`,
    });
    const build = await run(['build', '-t', tag, dir], { timeoutMs: 120_000 });
    expect(build.stderr).not.toMatch(/denied/);
    expect(build.code).toBe(0);
    expect(text(await run(['run', '--rm', tag]))).toBe('from-a');
    await run(['rmi', tag]);
  });

  it('reads a Dockerfile sent on stdin (`build -`), refused and allowed', async () => {
    const refusedTag = tagOf('stdin-bad');
    const bad = await run(['build', '-t', refusedTag, '-'], { input: 'FROM 127.1:5000/x\n', timeoutMs: 120_000 });
    expect(bad.stderr).toContain('Dockerfile:1 FROM');
    expect((await run(['image', 'inspect', refusedTag])).code).not.toBe(0);
    const tag = tagOf('stdin');
    const good = await run(['build', '-t', tag, '-'], { input: `FROM ${state.image}\nCMD ["echo", "stdin-ok"]\n`, timeoutMs: 120_000 });
    expect(good.stderr).not.toMatch(/denied/);
    expect(good.code).toBe(0);
    expect(text(await run(['run', '--rm', tag]))).toBe('stdin-ok');
    await run(['rmi', tag]);
  });

  it('builds an allowed gzip-compressed context', async () => {
    const tag = tagOf('gz');
    const dir = contextDir({ Dockerfile: `FROM ${state.image}\nCOPY a.txt /a.txt\nCMD ["cat", "/a.txt"]\n`, 'a.txt': 'gz-ok\n' });
    const build = await run(['build', '--compress', '-t', tag, dir], { timeoutMs: 120_000 });
    expect(build.stderr).not.toMatch(/denied/);
    expect(build.code).toBe(0);
    expect(text(await run(['run', '--rm', tag]))).toBe('gz-ok');
    await run(['rmi', tag]);
  });
});

describe('build context inspection is metered like other denials', () => {
  it('counts a refused build under rule remote-address and route /build', async () => {
    const labels = { rule: 'remote-address', route: '/build', dry_run: 'false' };
    const before = sampleValue(await scrape(), 'dind_denials_total', labels);
    const dir = contextDir({ Dockerfile: 'FROM localhost:5000/x\n' });
    await docker(state.clis[0], state.tcpHost, ['build', dir], { timeoutMs: 120_000 });
    expect(sampleValue(await scrape(), 'dind_denials_total', labels)).toBe(before + 1);
  });

  it('refuses a context whose compression it cannot read (rule build.context)', async () => {
    const response = await fetch(`http://127.0.0.1:${state.apiPort}/v1.41/build?t=${tagOf('bz')}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-tar' },
      body: Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.alloc(2048)]),
    });
    expect(response.status).toBe(403);
    const body = (await response.json()) as { message: string };
    expect(body.message).toContain('bzip2');
    expect(body.message).toContain('(rule build.context)');
  });
});
