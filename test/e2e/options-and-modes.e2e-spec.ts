import Docker from 'dockerode';
import { join } from 'node:path';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { messageOf, rawRequest } from '../support/raw-http';

// Options inside strings, mount modes, map keys and client-library extras,
// judged by what the daemon holds: the mount table and rlimits read back inside
// the container, inspect on the daemon's own socket, the audit record.

const state = e2eState();
const daemonSocket = join(state.runDir, 'docker.sock');
const daemonHost = `unix://${daemonSocket}`;
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
const direct = (args: string[]) => docker(state.clis[0], daemonHost, args);
const auth = { Authorization: `Bearer ${state.adminToken}` };

/** No container of that name exists on the daemon (asked past the proxy). */
async function daemonHasNo(name: string): Promise<void> {
  expect(text(await direct(['ps', '-aq', '--filter', `name=^/${name}$`]))).toBe('');
}

describe.each(state.clis.map((cli) => [cli]))('options and modes with %s', (cli) => {
  const run = (args: string[]) => docker(cli, state.tcpHost, ['run', '--rm', ...args]);

  // A script, not a copy of busybox: the static binary is larger than the 1 MiB tmpfs.
  it('runs --tmpfs /t:rw,size=1m,exec: the mount is exec and 1 MiB, and a program runs from it', async () => {
    const script = 'grep " /t " /proc/mounts; printf "#!/bin/sh\\necho ran-from-tmpfs\\n" > /t/x && chmod +x /t/x && /t/x';
    const result = await run(['--tmpfs', '/t:rw,size=1m,exec', state.image, 'sh', '-c', script]);
    expect(result.stderr).toBe('');
    const [mountLine, ran] = text(result).split('\n');
    console.log(`${cli} --tmpfs /t:rw,size=1m,exec → ${mountLine} / ${ran}`);
    expect(mountLine).toMatch(/^tmpfs \/t tmpfs rw,/);
    expect(mountLine).toContain('size=1024k');
    expect(mountLine).not.toContain('noexec');
    expect(ran).toBe('ran-from-tmpfs');
  });

  it.each([
    ['/t:bind', '"bind" makes the tmpfs entry a bind mount of a host path'],
    ['/t:rw,remount', '"remount" remounts an existing mount'],
    ['/t:rshared', 'mount propagation other than private is not allowed'],
  ])('refuses --tmpfs %s, and the daemon holds no such container', async (spec, reason) => {
    const name = unique('tmpfs');
    const result = await run(['--name', name, '--tmpfs', spec, state.image, 'true']);
    console.log(`${cli} --tmpfs ${spec} → ${result.stderr.trim()}`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(reason);
    expect(result.stderr).toContain('(rule tmpfs)');
    await daemonHasNo(name);
  });

  it('refuses --ulimit nice=40 (a negative nice value), and the daemon holds no such container', async () => {
    const name = unique('nice');
    const result = await run(['--name', name, '--ulimit', 'nice=40', state.image, 'true']);
    console.log(`${cli} --ulimit nice=40 → ${result.stderr.trim()}`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('nice soft limit must be from 0 to 20');
    expect(result.stderr).toContain('(rule ulimits)');
    await daemonHasNo(name);
  });

  it('runs --ulimit nofile=1024:2048: ulimit -n and -Hn read back inside', async () => {
    const result = await run(['--ulimit', 'nofile=1024:2048', state.image, 'sh', '-c', 'ulimit -n; ulimit -Hn']);
    console.log(`${cli} --ulimit nofile=1024:2048 → ${JSON.stringify(text(result))}`);
    expect(result.stderr).toBe('');
    expect(text(result)).toBe('1024\n2048');
  });

  it.each([['z'], ['nocopy'], ['ro,Z'], ['cached']])('runs -v vol:/data:%s, and the daemon mounted the volume with that mode', async (mode) => {
    const volume = unique('modevol');
    const name = unique('mode');
    try {
      const result = await docker(cli, state.tcpHost, ['run', '--name', name, '-v', `${volume}:/data:${mode}`, state.image, 'sh', '-c', 'grep -c " /data " /proc/mounts']);
      console.log(`${cli} -v vol:/data:${mode} → ${JSON.stringify(text(result))} ${result.stderr.trim()}`);
      expect(result.stderr).toBe('');
      expect(text(result)).toBe('1');
      const mounts = JSON.parse(text(await direct(['inspect', '--format', '{{json .Mounts}}', name]))) as Array<{ Name: string; Mode: string; RW: boolean }>;
      expect(mounts).toEqual([expect.objectContaining({ Name: volume, Mode: mode, RW: !mode.includes('ro') })]);
    } finally {
      await direct(['rm', '-f', name]);
      await direct(['volume', 'rm', '-f', volume]);
    }
  });

  it('keeps labels a.b and a.B apart: both are in the daemon\'s inspect', async () => {
    const name = unique('labels');
    try {
      const created = await docker(cli, state.tcpHost, ['create', '--name', name, '--label', 'a.b=lower', '--label', 'a.B=upper', state.image, 'true']);
      expect(created.stderr).toBe('');
      const labels = JSON.parse(text(await direct(['inspect', '--format', '{{json .Config.Labels}}', name])));
      console.log(`${cli} --label a.b --label a.B → ${JSON.stringify(labels)}`);
      expect(labels).toEqual({ 'a.b': 'lower', 'a.B': 'upper' });
    } finally {
      await direct(['rm', '-f', name]);
    }
  });
});

describe('map keys over the raw API', () => {
  it.each(['/v1.24', '/v1.41', ''])('%s: keeps labels that fold alike apart, and refuses an exact repeat', async (prefix) => {
    const name = unique('rawlabels');
    const headers = { 'content-type': 'application/json' };
    try {
      const body = `{"Image":"${state.image}","Cmd":["true"],"Labels":{"a.b":"1","a.B":"2","\u017f":"3","s":"4"}}`;
      const created = await rawRequest({ port: state.apiPort }, 'POST', `${prefix}/containers/create?name=${name}`, { body, headers });
      expect(created.status).toBe(201);
      const labels = JSON.parse(text(await direct(['inspect', '--format', '{{json .Config.Labels}}', name])));
      expect(labels).toEqual({ 'a.b': '1', 'a.B': '2', '\u017f': '3', s: '4' });
      const repeated = await rawRequest({ port: state.apiPort }, 'POST', `${prefix}/containers/create`, {
        body: `{"Image":"${state.image}","Labels":{"a.b":"1","a.b":"2"}}`,
        headers,
      });
      expect(repeated.status).toBe(403);
      expect(messageOf(repeated)).toContain('duplicate key "a.b"');
    } finally {
      await direct(['rm', '-f', name]);
    }
  });
});

describe('docker exec through dockerode', () => {
  const client = new Docker({ host: '127.0.0.1', port: state.apiPort });

  it('runs a command: hijack and stdin in the exec-start body are dropped and noted in the audit record', async () => {
    const container = await client.createContainer({ Image: state.image, Cmd: ['sleep', '60'] });
    try {
      await container.start();
      const exec = await container.exec({ Cmd: ['echo', 'exec-through-dockerode'], AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({ hijack: true, stdin: true });
      const output = await new Promise<string>((resolve, reject) => {
        let seen = '';
        stream.on('data', (chunk: Buffer) => (seen += chunk.toString('latin1')));
        stream.on('end', () => resolve(seen));
        stream.on('error', reject);
        stream.end();
      });
      console.log(`dockerode exec → ${JSON.stringify(output)}`);
      expect(output).toContain('exec-through-dockerode');
      expect(((await exec.inspect()) as { ExitCode: number }).ExitCode).toBe(0);
      const records = (await (await fetch(`${state.adminUrl}/audit?route=${encodeURIComponent('/exec/{id}/start')}&limit=20`, { headers: auth })).json()) as {
        records: Array<{ path: string; droppedFields?: string[]; decision: string }>;
      };
      const record = records.records.find((r) => r.path.includes(exec.id));
      console.log(`audit record of the exec start → ${JSON.stringify(record)}`);
      expect(record).toMatchObject({ decision: 'allowed', droppedFields: ['hijack', 'stdin'] });
    } finally {
      await container.remove({ force: true });
    }
  });
});
