import Docker from 'dockerode';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { writeWebAndClientProject } from '../support/compose-project';

const state = e2eState();

describe('docker-compose (v1, docker-py underneath) through the proxy', () => {
  const compose = (dir: string, args: string[]) =>
    docker('docker-compose', state.tcpHost, ['--project-directory', dir, '-f', join(dir, 'docker-compose.yml'), '-p', 'e2eproj', ...args], { timeoutMs: 120_000 });

  it('brings up a two-service project whose services find each other by name, then takes it down', async () => {
    const dir = mkdtempSync(join(state.baseDir, 'compose-'));
    writeWebAndClientProject(dir, state.image);
    const up = await compose(dir, ['up', '-d']);
    expect(up.stderr).not.toContain('denied');
    expect(up.code).toBe(0);
    try {
      let fetched = '';
      for (let attempt = 0; attempt < 10 && fetched !== 'compose-ok'; attempt++) {
        fetched = text(await compose(dir, ['exec', '-T', 'client', 'wget', '-q', '-O-', 'http://web:8080/']));
        if (fetched !== 'compose-ok') await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(fetched).toBe('compose-ok');
    } finally {
      const down = await compose(dir, ['down', '-v']);
      expect(down.code).toBe(0);
    }
    expect(text(await docker(state.clis[0], state.tcpHost, ['ps', '-aq', '--filter', 'label=com.docker.compose.project=e2eproj']))).toBe('');
  });

  it('shows a denial to a compose user', async () => {
    const dir = mkdtempSync(join(state.baseDir, 'compose-'));
    writeFileSync(join(dir, 'docker-compose.yml'), `version: '3.7'\nservices:\n  bad:\n    image: ${state.image}\n    privileged: true\n`);
    const up = await compose(dir, ['up', '-d']);
    expect(up.code).not.toBe(0);
    expect(up.stderr).toContain('privileged containers are not allowed');
    await compose(dir, ['down']);
  });
});

describe('dockerode through the proxy', () => {
  const client = new Docker({ host: '127.0.0.1', port: state.apiPort });

  it('creates, starts, waits for and reads the logs of a container', async () => {
    const container = await client.createContainer({ Image: state.image, Cmd: ['echo', 'dockerode-ok'], HostConfig: { Binds: ['dockerodevol:/data'], Memory: 64 * 1024 * 1024 } });
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    expect(StatusCode).toBe(0);
    const logs = (await container.logs({ stdout: true })) as unknown as Buffer;
    expect(logs.toString()).toContain('dockerode-ok');
    await container.remove();
  });

  it('gets the denial as an error naming the field', async () => {
    await expect(client.createContainer({ Image: state.image, HostConfig: { Privileged: true } })).rejects.toThrow(/HostConfig\.Privileged=true/);
  });
});
