import Docker from 'dockerode';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliResult, docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { SidecarInstance, startSidecarInstance } from '../support/sidecar-instance';
import { writeWebAndClientProject } from '../support/compose-project';
import { issueClientCertificate } from '../support/client-certificate';

// Ownership mode end to end: a dind-service with `ownership: true` in front of
// the run's daemon, two clients told apart by their TLS certificates (A: the
// generated `CN=dind-service client`; B: `CN=tenant-b`, signed by the same CA
// here). What each may do is read back from the daemon's own socket.

const state = e2eState();
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
const OWNER_LABEL = 'dind-service.owner';
const A = 'CN=dind-service client';
const B = 'CN=tenant-b';

describe('ownership: one client cannot see or touch another client\'s objects', () => {
  const certDir = mkdtempSync(join(state.baseDir, 'owner-certs-'));
  const dirA = join(certDir, 'client');
  const dirB = join(certDir, 'tenant-b');
  let instance: SidecarInstance;
  const daemonHost = `unix://${join(state.runDir, 'docker.sock')}`;
  const direct = (args: string[]) => docker(state.clis[0], daemonHost, args);
  const as = (dir: string, cli = state.clis[0]) => (args: string[], input?: string): Promise<CliResult> =>
    docker(cli, instance.tcpHost, args, { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }, timeoutMs: 120_000, ...(input === undefined ? {} : { input }) });
  const dockerode = (dir: string) =>
    new Docker({ protocol: 'https', host: '127.0.0.1', port: instance.apiPort, ca: readFileSync(join(dir, 'ca.pem')), cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) });
  const names = {
    ctr: unique('own-a'),
    vol: unique('own-a-vol'),
    net: unique('own-a-net'),
    auto: unique('own-a-auto'),
    image: `dind-test/${unique('own-a-img')}`,
    ctrB: unique('own-b'),
    stopped: unique('own-a-stopped'),
    spare: unique('own-a-spare'),
    built: `dind-test/${unique('own-a-built')}`,
    onBridge: unique('own-a-bridge'),
    trigger: `dind-test/${unique('own-b-trigger')}`,
    lure: `dind-test/${unique('own-a-lure')}`,
    // No slash: a name a stage may also have (docker.io/library/<name>:latest).
    stageNamed: unique('own-a-stage-named'),
  };
  const since = Math.floor(Date.now() / 1000) - 1;
  /** A classic build (the 20.10 CLI, DOCKER_BUILDKIT=0) of a context that holds only this Dockerfile. */
  const classicBuild = (dirOf: string, args: string[], dockerfile: string, timeoutMs = 60_000) => {
    const dir = mkdtempSync(join(state.baseDir, 'owner-build-'));
    writeFileSync(join(dir, 'Dockerfile'), dockerfile);
    return docker('/usr/bin/docker', instance.tcpHost, ['build', ...args, dir], { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dirOf, DOCKER_BUILDKIT: '0' }, timeoutMs });
  };
  const labelOf = async (kind: 'container' | 'volume' | 'network' | 'image', name: string) =>
    text(await direct([kind, 'inspect', '--format', kind === 'container' || kind === 'image' ? `{{index .Config.Labels "${OWNER_LABEL}"}}` : `{{index .Labels "${OWNER_LABEL}"}}`, name]));

  beforeAll(async () => {
    instance = await startSidecarInstance(state, 'ownership', 'name: ownership-e2e\nownership: true\n', { DOCKER_TLS_CERTDIR: certDir });
    // B: a second client certificate from the service's CA.
    issueClientCertificate(certDir, 'tenant-b', 'tenant-b');
    const a = as(dirA);
    for (const args of [
      ['volume', 'create', names.vol],
      ['network', 'create', names.net],
      ['run', '-d', '--name', names.ctr, '-v', `${names.vol}:/data`, '--network', names.net, state.image, 'sh', '-c', 'echo from-a; echo secret > /data/f; sleep 300'],
    ]) {
      const made = await a(args);
      if (made.code !== 0) throw new Error(`A cannot ${args.slice(0, 2).join(' ')}: ${made.stderr}`);
    }
  }, 180_000);

  afterAll(async () => {
    await direct(['rm', '-f', '-v', names.ctr, names.ctrB, names.stopped, names.onBridge]);
    await direct(['volume', 'rm', names.vol, names.auto, names.spare]);
    await direct(['network', 'rm', names.net]);
    await direct(['rmi', '-f', names.image, `${names.built}:classic`, `${names.built}:default`, `${names.built}:steps`, `${names.built}:secret`, `${names.built}:mine`, names.trigger, names.lure, names.stageNamed]);
    await instance?.stop();
  });

  it('labels what A creates with A\'s identity', async () => {
    expect(await labelOf('container', names.ctr)).toBe(A);
    expect(await labelOf('volume', names.vol)).toBe(A);
    expect(await labelOf('network', names.net)).toBe(A);
  });

  describe.each(state.clis.map((cli) => [cli]))('B with %s', (cli) => {
    const b = (args: string[], input?: string) => as(dirB, cli)(args, input);
    const refusedAsOwnership = (result: CliResult) => {
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/Error response from daemon: dind-service policy denied the request: .*belongs to another client \(rule ownership\) \[request id [0-9a-f]+\] \[client CN=tenant-b\]/);
      // The other owner is not named.
      expect(result.stderr).not.toContain(A);
    };

    it.each([
      ['inspect', () => ['container', 'inspect', names.ctr]],
      ['exec', () => ['exec', names.ctr, 'cat', '/data/f']],
      ['logs', () => ['logs', names.ctr]],
      ['attach', () => ['attach', '--no-stdin', names.ctr]],
      ['stop', () => ['stop', '-t', '1', names.ctr]],
      ['kill', () => ['kill', names.ctr]],
      ['rm -f', () => ['rm', '-f', names.ctr]],
      ['cp', () => ['cp', `${names.ctr}:/data/f`, '-']],
      ['commit', () => ['commit', names.ctr]],
      ['volume inspect', () => ['volume', 'inspect', names.vol]],
      ['volume rm', () => ['volume', 'rm', names.vol]],
      ['network inspect', () => ['network', 'inspect', names.net]],
      ['network rm', () => ['network', 'rm', names.net]],
    ])('cannot %s A\'s objects; the CLI prints the denial', async (_name, args) => {
      const result = await b(args());
      refusedAsOwnership(result);
      expect(result.stdout.toString()).not.toContain('secret');
    });

    it.each([
      ['mount A\'s volume', () => ['-v', `${names.vol}:/d`]],
      ['mount A\'s volume with --mount', () => ['--mount', `type=volume,src=${names.vol},dst=/d`]],
      ['join A\'s network', () => ['--network', names.net]],
      ['--volumes-from A\'s container', () => ['--volumes-from', names.ctr]],
      ['--net container: of A\'s container', () => ['--net', `container:${names.ctr}`]],
      ['--link A\'s container (a legacy link hands over its environment)', () => ['--link', `${names.ctr}:a`]],
    ])('cannot %s', async (_name, args) => {
      const result = await b(['run', '--rm', ...args(), state.image, 'cat', '/d/f']);
      refusedAsOwnership(result);
      expect(result.stdout.toString()).not.toContain('secret');
    });

    it('does not see A\'s objects in lists, but sees its own, the predefined networks and shared images', async () => {
      const mine = await b(['run', '-d', '--name', `${names.ctrB}-${cli.length}`, state.image, 'sleep', '60']);
      expect(mine.code).toBe(0);
      try {
        const ps = text(await b(['ps', '-a', '--format', '{{.Names}}']));
        expect(ps.split('\n')).toContain(`${names.ctrB}-${cli.length}`);
        expect(ps).not.toContain(names.ctr);
        expect(text(await b(['volume', 'ls', '--format', '{{.Name}}']))).not.toContain(names.vol);
        const networks = text(await b(['network', 'ls', '--format', '{{.Name}}'])).split('\n');
        expect(networks).toEqual(expect.arrayContaining(['bridge', 'host', 'none']));
        expect(networks).not.toContain(names.net);
        expect(text(await b(['images', '--format', '{{.Repository}}']))).toContain(state.image.split(':')[0]);
        // A client's own label filter narrows further; it cannot widen.
        expect(text(await b(['ps', '-a', '--filter', `label=${OWNER_LABEL}=${A}`, '--format', '{{.Names}}']))).toBe('');
      } finally {
        await direct(['rm', '-f', `${names.ctrB}-${cli.length}`]);
      }
    });

    it('cannot set the owner label itself', async () => {
      const result = await b(['run', '--rm', '--label', `${OWNER_LABEL}=${A}`, state.image, 'true']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`dind-service policy denied the request: Labels.${OWNER_LABEL}="${A}": the label ${OWNER_LABEL} is set by dind-service to the client's identity; a client cannot set it (rule ownership)`);
    });

    it('gets a 404 for an object that does not exist, which the CLI reads as "no such container"', async () => {
      const result = await b(['container', 'inspect', 'no-such-container-here']);
      expect(result.code).not.toBe(0);
      // 20.10 prints its own text for a 404; 28.x prints the message.
      expect(result.stderr).toMatch(/Error: No such container: no-such-container-here|no such container \(rule ownership\)/);
    });
  });

  it('prunes only the pruning client\'s objects', async () => {
    const a = as(dirA);
    const b = as(dirB);
    expect((await a(['create', '--name', names.stopped, state.image, 'true'])).code).toBe(0);
    expect((await a(['volume', 'create', names.spare])).code).toBe(0);
    const ownStopped = unique('own-b-stopped');
    expect((await b(['create', '--name', ownStopped, state.image, 'true'])).code).toBe(0);
    expect((await b(['container', 'prune', '-f'])).code).toBe(0);
    expect((await b(['volume', 'prune', '-f'])).code).toBe(0);
    expect((await b(['network', 'prune', '-f'])).code).toBe(0);
    expect((await b(['image', 'prune', '-f'])).code).toBe(0);
    expect((await direct(['container', 'inspect', names.stopped])).code).toBe(0);
    expect((await direct(['volume', 'inspect', names.spare])).code).toBe(0);
    expect((await direct(['network', 'inspect', names.net])).code).toBe(0);
    // B's own stopped container was pruned: the filter narrowed the prune, it did not stop it.
    expect((await direct(['container', 'inspect', ownStopped])).code).not.toBe(0);
  });

  it('shows a client the events of its own objects only', async () => {
    const until = Math.floor(Date.now() / 1000) + 1;
    const events = async (dir: string) => text(await as(dir)(['events', '--since', String(since), '--until', String(until), '--format', '{{.Actor.Attributes.name}}']));
    const ofB = await events(dirB);
    expect(ofB).not.toContain(names.ctr);
    expect(ofB).toContain('own-b');
    expect(await events(dirA)).toContain(names.ctr);
  });

  it('turns BuildKit off (not set in the policy file): a BuildKit build is refused naming the option, and the 20.10 CLI is told to build classic', async () => {
    const dir = mkdtempSync(join(state.baseDir, 'owner-bk-'));
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${state.image}\nRUN true\n`);
    const env = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dirA };
    const buildkit = await docker('/usr/bin/docker', instance.tcpHost, ['build', '-t', unique('dind-test/bk'), dir], { env: { ...env, DOCKER_BUILDKIT: '1' }, timeoutMs: 60_000 });
    expect(buildkit.code).not.toBe(0);
    expect(buildkit.stderr).toMatch(/dind-service policy denied the request: .*BuildKit (builds|sessions) are not enabled by this policy \(option buildkitSessions\)/);
    const tag = `${names.built}:default`;
    const classic = await docker('/usr/bin/docker', instance.tcpHost, ['build', '-t', tag, dir], { env: { ...env, DOCKER_BUILDKIT: '' }, timeoutMs: 60_000 });
    expect(classic.code).toBe(0);
    expect(await labelOf('image', tag)).toBe(A);
  }, 150_000);

  it.each([
    ['classic', '0'],
  ])('labels a %s build with its owner, over a Dockerfile LABEL of the key, and refuses a --label of it', async (_name, buildkit) => {
    const dir = mkdtempSync(join(state.baseDir, 'owner-build-'));
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${state.image}\nLABEL ${OWNER_LABEL}="${B}"\nRUN echo built > /built\n`);
    const tag = `${names.built}:${buildkit === '1' ? 'buildkit' : 'classic'}`;
    const build = (dirOf: string, args: string[]) =>
      docker('/usr/bin/docker', instance.tcpHost, ['build', ...args, dir], { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dirOf, DOCKER_BUILDKIT: buildkit }, timeoutMs: 60_000 });
    const built = await build(dirA, ['-t', tag]);
    expect(built.code).toBe(0);
    expect(await labelOf('image', tag)).toBe(A);
    expect(text(await as(dirB)(['images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n')).not.toContain(tag);
    const forged = await build(dirB, ['--label', `${OWNER_LABEL}=${A}`, '-t', unique('dind-test/forged')]);
    expect(forged.code).not.toBe(0);
    expect(forged.stderr).toContain(`query.labels.${OWNER_LABEL}="${A}": the label ${OWNER_LABEL} is set by dind-service`);
  }, 150_000);

  it('lets a classic build read only images that are the requester\'s or shared: FROM, COPY --from, --cache-from and a base image\'s ONBUILD triggers', async () => {
    const build = classicBuild;
    const secret = `${names.built}:secret`;
    expect((await build(dirA, ['-t', secret], `FROM ${state.image}\nRUN echo secret-of-a > /secret\n`)).code).toBe(0);
    const id = text(await direct(['image', 'inspect', '--format', '{{.Id}}', secret]));
    // A reads its own; B reads the shared image.
    expect((await build(dirA, ['-t', `${names.built}:mine`], `FROM ${secret}\nRUN cat /secret\n`)).code).toBe(0);
    expect((await build(dirB, ['-t', unique('dind-test/b-shared')], `FROM ${state.image}\nRUN true\n`)).code).toBe(0);
    const refusedToB = async (args: string[], dockerfile: string, field: string, reason: string) => {
      const result = await build(dirB, ['-t', unique('dind-test/b-steal'), ...args], dockerfile);
      expect(result.code).not.toBe(0);
      expect(result.stdout).not.toContain('secret-of-a');
      expect(result.stderr).toContain(field);
      expect(result.stderr).toContain(reason);
      expect(result.stderr).toMatch(/\(rule ownership\) \[request id [0-9a-f]+\] \[client CN=tenant-b\]/);
    };
    await refusedToB([], `FROM ${secret}\nRUN cat /secret\n`, 'Dockerfile:1 FROM', 'belongs to another client');
    await refusedToB([], `FROM ${state.image}\nCOPY --from=${secret} /secret /stolen\n`, 'Dockerfile:2 COPY --from', 'belongs to another client');
    await refusedToB([], `ARG BASE=${secret}\nFROM \${BASE}\n`, 'Dockerfile:2 FROM', 'belongs to another client');
    await refusedToB([], `FROM ${id.slice('sha256:'.length, 'sha256:'.length + 12)}\n`, 'Dockerfile:1 FROM', 'not an ID prefix');
    // The daemon knows a stage by its name once the stage is built: a COPY
    // --from naming the stage it is in reads the image of that name.
    expect((await build(dirA, ['-t', names.stageNamed], `FROM ${secret}\n`)).code).toBe(0);
    await refusedToB([], `FROM ${state.image} AS ${names.stageNamed}\nCOPY --from=${names.stageNamed} /secret /stolen\nRUN cat /stolen\n`, 'Dockerfile:2 COPY --from', 'belongs to another client');
    await refusedToB(['--cache-from', secret], `FROM ${state.image}\nRUN echo secret-of-a > /secret\n`, 'query.cachefrom', 'belongs to another client');
    // B's base image runs a trigger that copies from a name nobody holds yet;
    // once A's image takes that name, a build on B's base would read it.
    expect((await build(dirB, ['-t', names.trigger], `FROM ${state.image}\nONBUILD COPY --from=${names.lure} /secret /stolen\n`)).code).toBe(0);
    expect((await as(dirA)(['tag', secret, names.lure])).code).toBe(0);
    await refusedToB([], `FROM ${names.trigger}\nRUN cat /stolen\n`, `${names.trigger} ONBUILD:1 COPY --from`, 'belongs to another client');
  }, 300_000);

  it('holds the names a build reads still until it ends: B cannot move its checked base image\'s name onto an image whose trigger copies from A\'s while an earlier stage runs', async () => {
    const build = classicBuild;
    const lure = `dind-test/${unique('own-a-swap-lure')}`;
    const evil = `dind-test/${unique('own-b-swap-evil')}`;
    const base = `dind-test/${unique('own-b-swap-base')}`;
    try {
      // B's trigger names a name nobody holds yet; A's secret image takes it later.
      expect((await build(dirB, ['-t', evil], `FROM ${state.image}\nONBUILD COPY --from=${lure} /secret /stolen\n`)).code).toBe(0);
      expect((await build(dirB, ['-t', base], `FROM ${state.image}\nRUN true\n`)).code).toBe(0);
      expect((await build(dirA, ['-t', lure], `FROM ${state.image}\nRUN echo secret-of-a > /secret\n`)).code).toBe(0);
      // B's build reads its plain base in a second stage, after a first stage's slow step.
      const built = build(dirB, ['-t', unique('dind-test/b-swap')], `FROM ${state.image}\nRUN sleep 8\nFROM ${base}\nRUN cat /stolen || echo nothing-stolen\n`);
      await new Promise((resolve) => setTimeout(resolve, 4000));
      // Checked by now: B's base has no trigger. B tries to point its own name at its other image;
      // the name is held still while the build that read it runs, and neither a tag nor a delete moves it.
      const moved = await as(dirB)(['tag', evil, base]);
      expect(moved.code).not.toBe(0);
      expect(moved.stderr).toContain(`image name "docker.io/${base}:latest" is read or moved by a build or an image change in progress; try again when it ends`);
      const removed = await as(dirB)(['rmi', base]);
      expect(removed.code).not.toBe(0);
      expect(removed.stderr).toContain('try again when it ends');
      const result = await built;
      expect(result.code).toBe(0);
      expect(`${result.stdout}${result.stderr}`).not.toContain('secret-of-a');
      expect(text(result)).toContain('nothing-stolen');
      // Once the build has ended, the name moves again.
      expect((await as(dirB)(['tag', evil, base])).code).toBe(0);
    } finally {
      await direct(['rmi', '-f', lure, evil, base]);
    }
  }, 180_000);

  it('releases the names a build holds when its client vanishes mid-build', async () => {
    const other = `dind-test/${unique('own-b-vanish-other')}`;
    const base = `dind-test/${unique('own-b-vanish-base')}`;
    try {
      expect((await classicBuild(dirB, ['-t', base], `FROM ${state.image}\nRUN true\n`)).code).toBe(0);
      expect((await classicBuild(dirB, ['-t', other], `FROM ${state.image}\nRUN echo other\n`)).code).toBe(0);
      // The client is killed (SIGKILL, its timeout) 4 s into a build that reads the base after a 30 s stage.
      const vanished = classicBuild(dirB, [], `FROM ${state.image}\nRUN sleep 30\nFROM ${base}\nRUN true\n`, 4000).then(
        () => 'finished',
        () => 'killed',
      );
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const held = await as(dirB)(['tag', other, base]);
      expect(held.stderr).toContain('try again when it ends');
      expect(await vanished).toBe('killed');
      let moved = held;
      for (let attempt = 0; attempt < 20 && moved.code !== 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        moved = await as(dirB)(['tag', other, base]);
      }
      expect(moved.stderr).toBe('');
      expect(moved.code).toBe(0);
    } finally {
      await direct(['rmi', '-f', other, base]);
    }
  }, 120_000);

  it('runs a classic build\'s steps only on the requester\'s own networks (build --network)', async () => {
    const dir = mkdtempSync(join(state.baseDir, 'owner-build-net-'));
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${state.image}\nRUN echo step-ran\n`);
    const build = (dirOf: string, args: string[]) =>
      docker('/usr/bin/docker', instance.tcpHost, ['build', '--no-cache', ...args, dir], { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dirOf, DOCKER_BUILDKIT: '0' }, timeoutMs: 60_000 });
    const ownNet = unique('own-b-build-net');
    try {
      const onA = await build(dirB, ['--network', names.net]);
      expect(onA.code).not.toBe(0);
      expect(text(onA)).not.toContain('step-ran');
      expect(onA.stderr).toContain(`query.networkmode="${names.net}"`);
      expect(onA.stderr).toContain('belongs to another client (rule ownership)');
      expect((await as(dirB)(['network', 'create', ownNet])).code).toBe(0);
      const onOwn = await build(dirB, ['--network', ownNet]);
      expect(onOwn.code).toBe(0);
      expect(text(onOwn)).toContain('step-ran');
    } finally {
      await direct(['network', 'rm', ownNet]);
    }
  }, 120_000);

  it('keeps each client\'s classic build cache its own: B\'s step is not A\'s cache hit, A\'s rebuild of its tag is', async () => {
    const dir = mkdtempSync(join(state.baseDir, 'owner-cache-'));
    // A Dockerfile both know (a public project's); what its RUN makes depends on the build's host table.
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${state.image}\nRUN cat /etc/hosts > /hosts-at-build\n`);
    const build = (dirOf: string, args: string[]) =>
      docker('/usr/bin/docker', instance.tcpHost, ['build', ...args, dir], { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dirOf, DOCKER_BUILDKIT: '0' }, timeoutMs: 60_000 });
    const [ofB, ofA] = [`dind-test/${unique('b-poison')}:1`, `dind-test/${unique('a-app')}:1`];
    try {
      expect((await build(dirB, ['--add-host', 'updates.internal:10.66.66.66', '-t', ofB])).code).toBe(0);
      const built = await build(dirA, ['-t', ofA]);
      expect(built.code).toBe(0);
      expect(text(built)).not.toContain('Using cache');
      const run = await as(dirA)(['run', '--rm', ofA, 'cat', '/hosts-at-build']);
      expect(run.code).toBe(0);
      expect(text(run)).not.toContain('10.66.66.66');
      const idOf = async () => text(await direct(['image', 'inspect', '--format', '{{.Id}}', ofA]));
      const first = await idOf();
      const rebuilt = await build(dirA, ['-t', ofA]);
      expect(rebuilt.code).toBe(0);
      expect(text(rebuilt)).toContain('Using cache');
      expect(await idOf()).toBe(first);
    } finally {
      await direct(['rmi', '-f', ofA, ofB]);
    }
  }, 180_000);

  it('makes an imported image its importer\'s, whatever its identity spells (a LABEL change the daemon reads back)', async () => {
    const dir = mkdtempSync(join(state.baseDir, 'owner-import-'));
    writeFileSync(join(dir, 'hello'), 'hello\n');
    const tarball = join(dir, 'hello.tar');
    execFileSync('tar', ['-C', dir, '-cf', tarball, 'hello']);
    // C: a subject with the characters a Dockerfile word treats specially.
    const dirC = issueClientCertificate(certDir, 'tenant-c', 'q"uo$te`x');
    const imageOf = (who: string) => `dind-test/${unique(`own-${who}-imp`)}:1`;
    const [ofA, ofC] = [imageOf('a'), imageOf('c')];
    const probe = unique('own-c-probe');
    try {
      expect((await as(dirA)(['import', '--change', 'CMD ["cat", "/hello"]', tarball, ofA])).code).toBe(0);
      expect(await labelOf('image', ofA)).toBe(A);
      const run = await as(dirB)(['run', '--rm', ofA]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('belongs to another client (rule ownership)');
      expect((await as(dirC)(['import', tarball, ofC])).code).toBe(0);
      // The identity as the service spells it: what it labels C's container with.
      expect((await as(dirC)(['create', '--name', probe, state.image, 'true'])).code).toBe(0);
      const identityOfC = await labelOf('container', probe);
      expect(identityOfC).toContain('q"uo$te`x');
      expect(await labelOf('image', ofC)).toBe(identityOfC);
    } finally {
      await direct(['rm', '-f', probe]);
      await direct(['rmi', ofA, ofC]);
    }
  }, 120_000);

  it('keeps the step images of A\'s classic build from B: nameless and unlabelled, they are nobody\'s', async () => {
    const dir = mkdtempSync(join(state.baseDir, 'owner-steps-'));
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${state.image}\nRUN echo secret-of-a > /secret\nRUN echo done > /done\n`);
    const built = await docker('/usr/bin/docker', instance.tcpHost, ['build', '-t', `${names.built}:steps`, dir], { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dirA, DOCKER_BUILDKIT: '0' }, timeoutMs: 60_000 });
    expect(built.code).toBe(0);
    // The image of the first RUN: it holds /secret, and the daemon gave it no label and no name.
    const step = text(await direct(['image', 'inspect', '--format', '{{.Parent}}', `${names.built}:steps`]));
    expect(step).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(text(await direct(['image', 'inspect', '--format', `{{index .Config.Labels "${OWNER_LABEL}"}}|{{len .RepoTags}}`, step]))).toBe('|0');
    const b = as(dirB);
    expect(text(await b(['images', '-a', '-q', '--no-trunc'])).split('\n')).not.toContain(step);
    const run = await b(['run', '--rm', step, 'cat', '/secret']);
    expect(run.code).not.toBe(0);
    expect(run.stdout).not.toContain('secret-of-a');
    expect(run.stderr).toContain('has no owner');
    expect((await b(['save', '-o', join(dir, 'step.tar'), step])).code).not.toBe(0);
  }, 120_000);

  it('lets B name neither a shared image anew (its content under a name others may run) nor move a shared name onto its own image (everyone runs that name)', async () => {
    const b = as(dirB);
    const copy = `dind-test/${unique('b-copy')}:1`;
    const source = unique('own-b-src');
    const own = `dind-test/${unique('own-b-img')}:1`;
    try {
      const named = await b(['tag', state.image, copy]);
      expect(named.code).not.toBe(0);
      expect(named.stderr).toContain('is shared; a shared image is named by pulls only');
      expect((await direct(['image', 'inspect', copy])).code).not.toBe(0);
      expect((await b(['create', '--name', source, state.image, 'true'])).code).toBe(0);
      expect((await b(['commit', source, own])).code).toBe(0);
      expect(await labelOf('image', own)).toBe(B);
      const before = text(await direct(['image', 'inspect', '--format', '{{.Id}}', state.image]));
      const moved = await b(['tag', own, state.image]);
      expect(moved.code).not.toBe(0);
      expect(moved.stderr).toContain('is shared');
      expect(text(await direct(['image', 'inspect', '--format', '{{.Id}}', state.image]))).toBe(before);
    } finally {
      await direct(['rm', '-f', source]);
      await direct(['rmi', copy, own]);
    }
  }, 120_000);

  it('narrows /system/df to the client\'s own containers and volumes (dockerode)', async () => {
    const df = (await dockerode(dirB).df()) as { Containers: Array<{ Names: string[] }>; Volumes: Array<{ Name: string }>; Images: Array<{ RepoTags: string[] | null }> };
    expect(df.Containers.flatMap((container) => container.Names)).not.toContain(`/${names.ctr}`);
    expect(df.Volumes.map((volume) => volume.Name)).not.toContain(names.vol);
    expect(df.Images.flatMap((image) => image.RepoTags ?? [])).toContain(state.image);
    const ofA = (await dockerode(dirA).df()) as typeof df;
    expect(ofA.Containers.flatMap((container) => container.Names)).toContain(`/${names.ctr}`);
    expect(ofA.Volumes.map((volume) => volume.Name)).toContain(names.vol);
  });

  it('hides the other client\'s containers in the inspect of a shared network', async () => {
    expect((await as(dirA)(['run', '-d', '--name', names.onBridge, state.image, 'sleep', '120'])).code).toBe(0);
    const attached = async (dir: string) => text(await as(dir)(['network', 'inspect', '--format', '{{range .Containers}}{{.Name}} {{end}}', 'bridge']));
    expect(await attached(dirA)).toContain(names.onBridge);
    expect(await attached(dirB)).not.toContain(names.onBridge);
    // The daemon itself lists it: the proxy narrowed the answer.
    expect(text(await direct(['network', 'inspect', '--format', '{{range .Containers}}{{.Name}} {{end}}', 'bridge']))).toContain(names.onBridge);
  });

  it('runs a docker-compose project for A (network, named volume, two services, exec, down -v), unseen by B', async () => {
    const dir = mkdtempSync(join(state.baseDir, 'owner-compose-'));
    const project = unique('ownproj').replace('-', '');
    writeWebAndClientProject(dir, state.image);
    const compose = (args: string[]) =>
      docker('docker-compose', instance.tcpHost, ['--project-directory', dir, '-f', join(dir, 'docker-compose.yml'), '-p', project, ...args], { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dirA }, timeoutMs: 120_000 });
    const up = await compose(['up', '-d']);
    expect(up.stderr).not.toContain('denied');
    expect(up.code).toBe(0);
    try {
      let fetched = '';
      for (let attempt = 0; attempt < 10 && fetched !== 'compose-ok'; attempt++) {
        fetched = text(await compose(['exec', '-T', 'client', 'wget', '-q', '-O-', 'http://web:8080/']));
        if (fetched !== 'compose-ok') await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(fetched).toBe('compose-ok');
      expect(await labelOf('network', `${project}_default`)).toBe(A);
      expect(await labelOf('volume', `${project}_webdata`)).toBe(A);
      expect(text(await as(dirB)(['ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}}']))).toBe('');
    } finally {
      const down = await compose(['down', '-v']);
      expect(down.stderr).not.toContain('denied');
      expect(down.code).toBe(0);
    }
    expect(text(await direct(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]))).toBe('');
    expect((await direct(['volume', 'inspect', `${project}_webdata`])).code).not.toBe(0);
  });

  it('answers 404 itself for a missing object, without forwarding (dockerode)', async () => {
    await expect(dockerode(dirB).getContainer('no-such-container-here').remove({ force: true })).rejects.toMatchObject({
      statusCode: 404,
      message: expect.stringContaining('path.id="no-such-container-here": no such container (rule ownership)'),
    });
  });

  it('B cannot use an exec session of A\'s container (dockerode: exec inspect, start)', async () => {
    const exec = await dockerode(dirA).getContainer(names.ctr).exec({ Cmd: ['cat', '/data/f'], AttachStdout: true });
    const seen = dockerode(dirB).getExec(exec.id);
    await expect(seen.inspect()).rejects.toMatchObject({ statusCode: 403, message: expect.stringContaining('runs in a container that is not the requester') });
    await expect(seen.start({ Detach: true })).rejects.toMatchObject({ statusCode: 403 });
    expect((await exec.inspect()).ContainerID).toMatch(/^[0-9a-f]{64}$/);
  });

  it('forwards what it checked: B\'s container named after a prefix of A\'s ID is acted on by its own full ID', async () => {
    const b = as(dirB);
    const idA = text(await direct(['container', 'inspect', '--format', '{{.Id}}', names.ctr]));
    // A unique prefix of A's ID, which the daemon resolves to A's container when no container has it as a name.
    const prefix = idA.slice(0, 16);
    const joiner = unique('own-b-joiner');
    try {
      expect((await b(['create', '--name', prefix, state.image, 'sleep', '300'])).code).toBe(0);
      const idB = text(await direct(['container', 'inspect', '--format', '{{.Id}}', prefix]));
      expect(idB).not.toBe(idA);
      // A create borrowing B's container by that name stores its full ID, not the name: started
      // after B renamed its container, the daemon would otherwise resolve the prefix to A's.
      expect((await b(['create', '--name', joiner, '--network', `container:${prefix}`, state.image, 'sleep', '300'])).code).toBe(0);
      expect(text(await direct(['container', 'inspect', '--format', '{{.HostConfig.NetworkMode}}', joiner]))).toBe(`container:${idB}`);
      expect((await b(['rm', joiner])).code).toBe(0);
      // The delete names B's container by its full ID: A's is untouched.
      expect((await b(['rm', '-f', prefix])).code).toBe(0);
      expect((await direct(['container', 'inspect', idB])).code).not.toBe(0);
      expect(text(await direct(['container', 'inspect', '--format', '{{.Id}}', names.ctr]))).toBe(idA);
      // With B's container gone the prefix is A's: refused, as another client's.
      const again = await b(['rm', '-f', prefix]);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toMatch(/belongs to another client \(rule ownership\)/);
      expect(text(await direct(['container', 'inspect', '--format', '{{.Id}}', names.ctr]))).toBe(idA);
    } finally {
      await direct(['rm', '-f', joiner]);
      const left = text(await direct(['container', 'inspect', '--format', '{{.Id}}', prefix]));
      if (left !== idA) await direct(['rm', '-f', prefix]);
    }
  });

  it('starts B\'s container on the network it was created on, not on A\'s whose ID begins with that network\'s name', async () => {
    const b = as(dirB);
    const netA = text(await direct(['network', 'inspect', '--format', '{{.Id}}', names.net]));
    const prefix = netA.slice(0, 16);
    const ctr = unique('own-b-net');
    try {
      expect((await b(['network', 'create', prefix])).code).toBe(0);
      const netB = text(await direct(['network', 'inspect', '--format', '{{.Id}}', prefix]));
      expect((await b(['create', '--name', ctr, '--network', prefix, state.image, 'sleep', '300'])).code).toBe(0);
      // The daemon keeps the name and looks it up again at start: removed, it would resolve
      // as a prefix of A's network. The endpoint's NetworkID, which it prefers, is B's.
      expect(text(await direct(['container', 'inspect', '--format', `{{(index .NetworkSettings.Networks "${prefix}").NetworkID}}`, ctr]))).toBe(netB);
      expect((await b(['network', 'rm', prefix])).code).toBe(0);
      const started = await b(['start', ctr]);
      expect(started.code).not.toBe(0);
      expect(text(await direct(['network', 'inspect', '--format', '{{json .Containers}}', names.net]))).not.toContain(text(await direct(['container', 'inspect', '--format', '{{.Id}}', ctr])));
    } finally {
      await direct(['rm', '-f', ctr]);
      const left = text(await direct(['network', 'inspect', '--format', '{{.Id}}', prefix]));
      if (left !== netA) await direct(['network', 'rm', prefix]);
    }
  });

  it('A can do all of it: inspect, exec, logs, a named volume made on the fly (labelled), commit, and the lists show its objects', async () => {
    const a = as(dirA);
    expect(text(await a(['container', 'inspect', '--format', '{{.Name}}', names.ctr]))).toBe(`/${names.ctr}`);
    expect(text(await a(['exec', names.ctr, 'cat', '/data/f']))).toBe('secret');
    expect(text(await a(['logs', names.ctr]))).toBe('from-a');
    expect(text(await a(['ps', '-a', '--format', '{{.Names}}'])).split('\n')).toContain(names.ctr);
    expect(text(await a(['volume', 'ls', '--format', '{{.Name}}'])).split('\n')).toContain(names.vol);
    expect(text(await a(['network', 'ls', '--format', '{{.Name}}'])).split('\n')).toEqual(expect.arrayContaining([names.net, 'bridge']));
    expect(text(await a(['run', '--rm', '--volumes-from', names.ctr, state.image, 'cat', '/data/f']))).toBe('secret');
    // A volume the daemon would have created unlabelled is created by the proxy with the owner label.
    expect(text(await a(['run', '--rm', '-v', `${names.auto}:/auto`, state.image, 'sh', '-c', 'echo ok > /auto/x; cat /auto/x']))).toBe('ok');
    expect(await labelOf('volume', names.auto)).toBe(A);
    expect(text(await as(dirB)(['volume', 'ls', '--format', '{{.Name}}']))).not.toContain(names.auto);
    // An image A commits is A's: B neither sees nor inspects it.
    expect((await a(['commit', names.ctr, names.image])).code).toBe(0);
    expect(await labelOf('image', names.image)).toBe(A);
    expect(text(await a(['images', '--format', '{{.Repository}}'])).split('\n')).toContain(names.image);
    expect(text(await as(dirB)(['images', '--format', '{{.Repository}}'])).split('\n')).not.toContain(names.image);
    expect((await as(dirB)(['image', 'inspect', names.image])).stderr).toContain('(rule ownership)');
    expect((await as(dirB)(['run', '--rm', names.image, 'true'])).stderr).toContain('belongs to another client (rule ownership)');
    // Names are global: B cannot point A's name at another image, not even its own.
    const ofB = `dind-test/${unique('own-b-retag')}:1`;
    const sourceOfB = unique('own-b-retag-src');
    expect((await as(dirB)(['create', '--name', sourceOfB, state.image, 'true'])).code).toBe(0);
    expect((await as(dirB)(['commit', sourceOfB, ofB])).code).toBe(0);
    await direct(['rm', sourceOfB]);
    const retag = await as(dirB)(['tag', ofB, names.image]);
    await direct(['rmi', ofB]);
    expect(retag.stderr).toMatch(new RegExp(`query\\.repo="${names.image}(:latest)?": image "${names.image}(:latest)?" belongs to another client \\(rule ownership\\)`));
    expect(await labelOf('image', names.image)).toBe(A);
    // And A stops and removes its own container.
    expect((await a(['stop', '-t', '1', names.ctr])).code).toBe(0);
    expect((await a(['rm', names.ctr])).code).toBe(0);
    expect((await direct(['ps', '-aq', '--filter', `name=^${names.ctr}$`])).stdout.toString()).toBe('');
  });

  it('with the option off (the run\'s own service) nothing changes: no label, every object visible to every client', async () => {
    const name = unique('no-owner');
    const plain = (args: string[]) => docker(state.clis[0], state.tcpHost, args);
    expect((await plain(['run', '-d', '--name', name, '--label', `${OWNER_LABEL}=anyone`, state.image, 'sleep', '60'])).code).toBe(0);
    try {
      expect(await labelOf('container', name)).toBe('anyone');
      expect(text(await plain(['ps', '-a', '--format', '{{.Names}}'])).split('\n')).toContain(name);
      // A's network, owned in the ownership instance, is an ordinary network here.
      expect(text(await plain(['network', 'inspect', '--format', '{{.Name}}', names.net]))).toBe(names.net);
    } finally {
      await plain(['rm', '-f', name]);
    }
  });
});
