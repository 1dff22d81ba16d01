import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { issueClientCertificate } from '../support/client-certificate';
import { CliResult, docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { editImageArchive, editImageConfig } from '../support/image-archive-edit';
import { SidecarInstance, startSidecarInstance } from '../support/sidecar-instance';

// `docker load` in ownership mode, against the run's daemon: the names an
// archive sets and the owner labels its images carry are checked before the
// daemon has the whole archive. Archives come from `docker save` on the
// daemon's own socket, edited as a hostile client would; what the daemon
// holds afterwards is read back from that socket.

const state = e2eState();
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
const OWNER_LABEL = 'dind-service.owner';
const A = 'CN=dind-service client';

describe('ownership: a load may not take another client\'s name or claim its owner', () => {
  const certDir = mkdtempSync(join(state.baseDir, 'load-certs-'));
  const dirA = join(certDir, 'client');
  let dirB = '';
  let instance: SidecarInstance;
  const daemonHost = `unix://${join(state.runDir, 'docker.sock')}`;
  const direct = (args: string[], input?: Buffer) => docker(state.clis[0], daemonHost, args, { timeoutMs: 120_000, ...(input ? { input } : {}) });
  const as = (dir: string, cli = state.clis[0]) => (args: string[], input?: Buffer): Promise<CliResult> =>
    docker(cli, instance.tcpHost, args, { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }, timeoutMs: 120_000, ...(input === undefined ? {} : { input }) });
  const idOf = async (name: string) => text(await direct(['image', 'inspect', '--format', '{{.Id}}', name]));
  const ofA = `dind-test/${unique('load-a')}:1`;
  const ofB = `dind-test/${unique('load-b-own')}:1`;
  const made: string[] = [ofA, ofB];
  let idA = '';
  let idB = '';
  let savedA: Buffer;
  let savedB: Buffer;
  let savedShared: Buffer;

  beforeAll(async () => {
    instance = await startSidecarInstance(state, 'ownership-load', 'name: ownership-load-e2e\nownership: true\n', { DOCKER_TLS_CERTDIR: certDir });
    dirB = issueClientCertificate(certDir, 'tenant-b', 'tenant-b');
    for (const [dir, image] of [[dirA, ofA], [dirB, ofB]]) {
      const source = unique('load-src');
      expect((await as(dir)(['create', '--name', source, state.image, 'true'])).code).toBe(0);
      expect((await as(dir)(['commit', source, image])).code).toBe(0);
      await direct(['rm', source]);
    }
    idA = await idOf(ofA);
    idB = await idOf(ofB);
    savedA = (await direct(['save', ofA])).stdout;
    savedB = (await direct(['save', ofB])).stdout;
    savedShared = (await direct(['save', state.image])).stdout;
  }, 180_000);

  afterAll(async () => {
    await direct(['rmi', ...made]);
    await instance?.stop();
  });

  const renamed = (archive: Buffer, name: string) =>
    editImageArchive(state.baseDir, archive, (_dir, manifest) => {
      manifest[0].RepoTags = [name];
    });

  it('refuses B\'s load of an archive that names A\'s image; the name still holds A\'s image', async () => {
    const load = await as(dirB)(['load'], renamed(savedB, ofA));
    expect(load.code).not.toBe(0);
    expect(load.stderr).toMatch(new RegExp(`manifest\\.json\\[0\\]\\.RepoTags\\[0\\]="docker\\.io/${ofA.replace(/[./]/g, '\\$&')}": image .* belongs to another client \\(rule ownership\\) \\[request id [0-9a-f]+\\]`));
    expect(await idOf(ofA)).toBe(idA);
  });

  it('reads the last of two manifest.json entries, as the daemon does', async () => {
    const fresh = `dind-test/${unique('load-last')}:1`;
    const twice = (first: string, last: string) =>
      editImageArchive(
        state.baseDir,
        savedB,
        (_dir, manifest) => {
          manifest[0].RepoTags = [first];
        },
        (manifest) => {
          manifest[0].RepoTags = [last];
        },
      );
    const refused = await as(dirB)(['load'], twice(fresh, ofA));
    expect(refused.stderr).toContain('belongs to another client (rule ownership)');
    expect((await direct(['image', 'inspect', fresh])).code).not.toBe(0);
    // The other way round the daemon sets the last manifest's name only: A's is untouched.
    const loaded = await as(dirB)(['load'], twice(ofA, fresh));
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);
    made.push(fresh);
    expect(await idOf(fresh)).toBe(idB);
    expect(await idOf(ofA)).toBe(idA);
  });

  it('refuses B\'s load of a shared name (everyone runs it), as a tag onto it would be', async () => {
    const before = await idOf(state.image);
    const load = await as(dirB)(['load'], renamed(savedB, state.image));
    expect(load.code).not.toBe(0);
    expect(load.stderr).toContain('is shared');
    expect(await idOf(state.image)).toBe(before);
  });

  it('refuses B\'s load of an unlabelled image under a fresh name: it would be shared, B\'s content under a name others may run', async () => {
    const name = `dind-test/${unique('load-plant')}:1`;
    const load = await as(dirB)(['load'], renamed(savedShared, name));
    expect(load.code).not.toBe(0);
    expect(load.stderr).toContain(`.config.Labels.${OWNER_LABEL}: an image a load names must carry the label ${OWNER_LABEL}`);
    expect((await direct(['image', 'inspect', name])).code).not.toBe(0);
  });

  it('refuses B\'s load of an image labelled with A\'s identity; the daemon loaded nothing of it', async () => {
    const name = `dind-test/${unique('load-forged')}:1`;
    let config = Buffer.alloc(0);
    const forged = editImageArchive(state.baseDir, savedShared, (dir, manifest) => {
      manifest[0].RepoTags = [name];
      config = editImageConfig(dir, manifest[0].Config, (image) => {
        image.config = { ...image.config, Labels: { ...(image.config?.Labels ?? {}), [OWNER_LABEL]: A } };
      });
    });
    const load = await as(dirB)(['load'], forged);
    expect(load.code).not.toBe(0);
    expect(load.stderr).toContain(`.config.Labels.${OWNER_LABEL}="${A}": an image may carry the label ${OWNER_LABEL} only with the loading client's own identity (rule ownership)`);
    // Cut off before its end, the body was never extracted: neither the name nor the image exists.
    expect((await direct(['image', 'inspect', name])).code).not.toBe(0);
    expect((await direct(['image', 'inspect', `sha256:${createHash('sha256').update(config).digest('hex')}`])).code).not.toBe(0);
    // The same archive on the daemon's own socket loads: the refusal was the proxy's.
    expect((await direct(['load'], forged)).code).toBe(0);
    made.push(name);
    expect(await idOf(name)).toBe(`sha256:${createHash('sha256').update(config).digest('hex')}`);
  });

  it.each(state.clis.map((cli) => [cli]))('lets A save and load its own image back (%s)', async (cli) => {
    const saved = await as(dirA, cli)(['save', ofA]);
    expect(saved.code).toBe(0);
    const load = await as(dirA, cli)(['load'], saved.stdout);
    expect(load.stderr).toBe('');
    expect(load.code).toBe(0);
    expect(text(load)).toContain(`Loaded image: ${ofA}`);
    expect(await idOf(ofA)).toBe(idA);
    expect(savedA.length).toBeGreaterThan(0);
  });

  it('lets B load its own image under a fresh name, plain and gzip-compressed', async () => {
    for (const [name, compress] of [[`dind-test/${unique('load-b')}:1`, false], [`dind-test/${unique('load-b-gz')}:1`, true]] as const) {
      const archive = renamed(savedB, name);
      const load = await as(dirB)(['load'], compress ? gzipSync(archive) : archive);
      expect(load.stderr).toBe('');
      expect(load.code).toBe(0);
      made.push(name);
      expect(await idOf(name)).toBe(idB);
    }
  });

  it('refuses an archive it cannot read as the daemon would: an xz body', async () => {
    const load = await as(dirB)(['load'], Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(2048)]));
    expect(load.code).not.toBe(0);
    expect(load.stderr).toContain('xz-compressed image archive cannot be inspected');
  });

  it('with the option off (the run\'s own service) a load is not inspected', async () => {
    const name = `dind-test/${unique('load-plain')}:1`;
    const load = await docker(state.clis[0], state.tcpHost, ['load'], { input: renamed(savedA, name), timeoutMs: 120_000 });
    expect(load.code).toBe(0);
    made.push(name);
    expect(await idOf(name)).toBe(idA);
  });
});
