import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { join } from 'node:path';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { openEgressHole } from '../support/egress-hole';
import { messageOf, rawRequest } from '../support/raw-http';

// Issue 10 §1 and §6, judged by effect: the daemon's Go handlers read their
// parameters from a form body too (before the query), so a loopback listener
// that the daemon would reach through a form-carried parameter must record no
// request, and the daemon must hold no image from a refused request.

const state = e2eState();
const daemonSocket = join(state.runDir, 'docker.sock');
const proxy = { port: state.apiPort };
const VERSIONS = ['', '/v1.24', '/v1.41'] as const;
const suffix = () => Math.random().toString(36).slice(2, 8);
const FORM = 'application/x-www-form-urlencoded';

let listener: Server;
let hits: string[] = [];
let listenerUrl = '';
// The daemon may dial the listener past the kernel egress rules: these specs
// judge the request-time line, and the controls show the daemon would dial.
let hole: { close(): void } | undefined;

beforeAll(async () => {
  listener = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.end('not a tarball');
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  hole = openEgressHole([`127.0.0.1:${(listener.address() as AddressInfo).port}`]);
});
afterAll(() => {
  hole?.close();
  return new Promise<void>((resolve) => listener.close(() => resolve()));
});
beforeEach(() => {
  hits = [];
});

/** A build context (tar) holding only a Dockerfile. */
function contextTar(dockerfile: string): Buffer {
  const dir = mkdtempSync(join(state.baseDir, 'channels-ctx-'));
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  return execFileSync('tar', ['-C', dir, '-cf', '-', '.']);
}

/** Whether the daemon itself (asked on its own socket, not through the proxy) holds the image. */
async function daemonHasImage(name: string): Promise<boolean> {
  const response = await rawRequest({ socketPath: daemonSocket }, 'GET', `/v1.41/images/${encodeURIComponent(name)}/json`);
  return response.status === 200;
}

/** Bytes exactly as written, for header lines Node's client would not repeat. */
function sendBytes(head: string, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(state.apiPort, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.write(head);
    socket.end(body);
  });
}

describe.each(VERSIONS.map((v) => [v]))('a form body is no way around the query rules (%s)', (version) => {
  it('an import whose form body names a loopback URL is refused, and the listener is never dialled', async () => {
    const repo = `dind-test/form-import-${suffix()}`;
    const response = await rawRequest(proxy, 'POST', `${version}/images/create?fromSrc=-&repo=${repo}&tag=1`, {
      headers: { 'Content-Type': FORM },
      body: `fromSrc=${encodeURIComponent(`${listenerUrl}/x.tar`)}&repo=${repo}&tag=1`,
    });
    console.log(`form-body import ${version || '(unversioned)'}: ${response.status} ${messageOf(response)}; listener hits: ${hits.length}`);
    expect(response.status).toBe(403);
    expect(messageOf(response)).toContain('(rule body.form)');
    expect(hits).toEqual([]);
    expect(await daemonHasImage(`${repo}:1`)).toBe(false);
  });

  it('the same as multipart, with the type spelled in capitals, is refused', async () => {
    const repo = `dind-test/multipart-import-${suffix()}`;
    const body = `--B\r\nContent-Disposition: form-data; name="fromSrc"\r\n\r\n${listenerUrl}/x.tar\r\n--B--\r\n`;
    const response = await rawRequest(proxy, 'POST', `${version}/images/create?repo=${repo}&tag=1`, {
      headers: { 'Content-Type': 'MULTIPART/Form-Data; boundary=B' },
      body,
    });
    expect(response.status).toBe(403);
    expect(messageOf(response)).toContain('(rule body.form)');
    expect(hits).toEqual([]);
    expect(await daemonHasImage(`${repo}:1`)).toBe(false);
  });

  it('a build whose tar context is followed by networkmode=host as a form is refused: no step ran, nothing was built', async () => {
    const tag = `dind-test/form-build-${suffix()}`;
    // On the host network this step would reach the loopback listener.
    const tar = contextTar(`FROM ${state.image}\nRUN wget -q -O- ${listenerUrl}/from-build || true\n`);
    const body = Buffer.concat([tar, Buffer.from(`&networkmode=host&t=${tag}`)]);
    const response = await rawRequest(proxy, 'POST', `${version}/build?t=${tag}`, { headers: { 'Content-Type': FORM }, body });
    console.log(`form-body build ${version || '(unversioned)'}: ${response.status} ${messageOf(response)}; listener hits: ${hits.length}`);
    expect(response.status).toBe(403);
    expect(messageOf(response)).toContain('(rule body.form)');
    expect(hits).toEqual([]);
    expect(await daemonHasImage(tag)).toBe(false);
  });

  it('a build body of a type no client sends is refused (rule body.content-type)', async () => {
    const tag = `dind-test/plain-build-${suffix()}`;
    const response = await rawRequest(proxy, 'POST', `${version}/build?t=${tag}`, {
      headers: { 'Content-Type': 'text/plain' },
      body: contextTar(`FROM ${state.image}\n`),
    });
    expect(response.status).toBe(403);
    expect(messageOf(response)).toContain('(rule body.content-type)');
    expect(await daemonHasImage(tag)).toBe(false);
  });

  it.each([
    ['tar first, form second', ['application/x-tar', FORM]],
    ['form first, tar second', [FORM, 'application/x-tar']],
  ])('a build with two Content-Type lines (%s) is refused (rule request.header-repeated)', async (_name, types) => {
    const tag = `dind-test/twotypes-build-${suffix()}`;
    const body = Buffer.concat([contextTar(`FROM ${state.image}\nRUN wget -q -O- ${listenerUrl}/from-build || true\n`), Buffer.from('&networkmode=host')]);
    const head =
      `POST ${version}/build?t=${tag} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n` +
      types.map((type) => `Content-Type: ${type}\r\n`).join('') +
      `Content-Length: ${body.length}\r\n\r\n`;
    const answer = await sendBytes(head, body);
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(answer).toContain('(rule request.header-repeated)');
    expect(hits).toEqual([]);
    expect(await daemonHasImage(tag)).toBe(false);
  });

  it('a build with two X-Registry-Config lines is refused without echoing them', async () => {
    const head =
      `POST ${version}/build HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/x-tar\r\n` +
      `X-Registry-Config: e30=\r\nX-Registry-Config: eyJzZWNyZXQiOnt9fQ==\r\nContent-Length: 0\r\n\r\n`;
    const answer = await sendBytes(head, Buffer.alloc(0));
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(answer).toContain('header X-Registry-Config');
    expect(answer).not.toContain('eyJzZWNyZXQiOnt9fQ');
  });

  it('repeated extrahosts reach the build step, each as a line of /etc/hosts', async () => {
    const tag = `dind-test/hosts-raw-${suffix()}`;
    const response = await rawRequest(proxy, 'POST', `${version}/build?t=${tag}&extrahosts=a%3A1.2.3.4&extrahosts=b%3A5.6.7.8`, {
      headers: { 'Content-Type': 'application/x-tar' },
      body: contextTar(`FROM ${state.image}\nRUN cat /etc/hosts\n`),
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatch(/1\.2\.3\.4\\ta/);
    expect(response.body).toMatch(/5\.6\.7\.8\\tb/);
    expect(await daemonHasImage(tag)).toBe(true);
    await rawRequest({ socketPath: daemonSocket }, 'DELETE', `/v1.41/images/${encodeURIComponent(tag)}`);
  });
});

describe.each(state.clis.map((cli) => [cli]))('docker build --add-host twice (%s, classic builder)', (cli) => {
  it('succeeds, and the RUN step sees both entries in /etc/hosts', async () => {
    const dir = mkdtempSync(join(state.baseDir, 'channels-hosts-'));
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${state.image}\nRUN grep -E '^1\\.2\\.3\\.4\\s+a$' /etc/hosts && grep -E '^5\\.6\\.7\\.8\\s+b$' /etc/hosts && echo both-hosts-present\n`);
    const tag = `dind-test/hosts-cli-${suffix()}`;
    const build = await docker(cli, state.tcpHost, ['build', '--add-host', 'a:1.2.3.4', '--add-host', 'b:5.6.7.8', '-t', tag, dir], { timeoutMs: 120_000 });
    const output = build.stdout.toString();
    console.log(`${cli} build --add-host ×2: exit ${build.code}; ${output.includes('both-hosts-present') ? 'RUN saw both entries' : `stderr: ${build.stderr}`}`);
    expect(build.stderr).not.toContain('policy denied');
    expect(build.code).toBe(0);
    expect(output).toContain('both-hosts-present');
    await docker(cli, state.tcpHost, ['rmi', tag]);
  });
});

// The observation above could miss an open door only if the daemon did not act
// on a form body at all: sent straight to its own socket, the same requests do
// reach the listener.
describe('control: the daemon itself reads a form body', () => {
  it('an import whose form body names the listener dials it', async () => {
    const repo = `dind-test/control-import-${suffix()}`;
    await rawRequest({ socketPath: daemonSocket }, 'POST', `/v1.41/images/create?fromSrc=-&repo=${repo}&tag=1`, {
      headers: { 'Content-Type': FORM },
      body: `fromSrc=${encodeURIComponent(`${listenerUrl}/x.tar`)}&repo=${repo}&tag=1`,
    });
    console.log(`control, form-body import on the daemon's own socket: listener hits ${JSON.stringify(hits)}`);
    expect(hits).toContain('GET /x.tar');
  });
});
