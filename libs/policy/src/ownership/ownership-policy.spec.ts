import { DockerPolicy } from '../docker-policy';
import { RESTRICTED } from '../options/policy-options';
import { AllowedRequest, PolicyDecision } from '../policy-request';
import { ROUTE_TABLE } from '../routes/route-table';
import { OWNER_LABEL } from './owner-label';

const ME = 'CN=runner-1,DNS:runner-1.ci';
const json = { 'content-type': 'application/json' };
const owning = new DockerPolicy({ daemonApiVersion: () => '1.41', policy: { ...RESTRICTED, ownership: true } });
const plain = new DockerPolicy({ daemonApiVersion: () => '1.41', policy: RESTRICTED });

// `null`: no identity at all.
const decide = (policy: DockerPolicy, method: string, url: string, body?: unknown, client: string | null = ME): PolicyDecision =>
  policy.decide({ method, url, headers: body === undefined ? {} : json, body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)), client: client ?? undefined });
const allowed = (decision: PolicyDecision): AllowedRequest => {
  if (!decision.allowed) throw new Error(`refused: ${decision.denial.rule}: ${decision.denial.reason}`);
  return decision;
};
const sent = (decision: PolicyDecision) => JSON.parse(allowed(decision).body!.toString()) as Record<string, any>;
const query = (decision: PolicyDecision) => new URL(allowed(decision).upstreamUrl, 'http://d').searchParams;

describe('ownership mode', () => {
  it('has the transport read a load\'s archive for its owner; without the option a load is not read', () => {
    const load = (policy: DockerPolicy) => policy.decide({ method: 'POST', url: '/v1.41/images/load?quiet=1', headers: { 'content-type': 'application/x-tar' }, client: ME });
    const owned = allowed(load(owning));
    expect(owned.imageLoad).toEqual({ owner: ME });
    expect(owned.ownedObjects).toBeUndefined();
    expect(allowed(load(plain)).imageLoad).toBeUndefined();
  });

  describe('creates carry the owner label', () => {
    it.each<[string, string, Record<string, unknown>, (body: Record<string, any>) => unknown]>([
      ['a container', '/v1.41/containers/create', { Image: 'busybox', Labels: { app: 'web' } }, (body) => body.Labels],
      ['a volume', '/v1.41/volumes/create', { Name: 'data', Labels: { app: 'web' } }, (body) => body.Labels],
      ['a network', '/v1.41/networks/create', { Name: 'app', Labels: { app: 'web' } }, (body) => body.Labels],
      ['a commit\'s image', '/v1.41/commit?container=web', { Labels: { app: 'web' } }, (body) => body.Labels],
    ])('%s', (_name, url, body, labelsOf) => {
      expect(labelsOf(sent(decide(owning, 'POST', url, body)))).toEqual({ app: 'web', [OWNER_LABEL]: ME });
      expect(labelsOf(sent(decide(plain, 'POST', url, body)))).toEqual({ app: 'web' });
    });

    it('a container without labels gets a map with the owner only', () => {
      expect(sent(decide(owning, 'POST', '/containers/create', { Image: 'busybox' })).Labels).toEqual({ [OWNER_LABEL]: ME });
    });

    it('the volumes a container\'s Mounts make, named or anonymous; not bind or tmpfs mounts', () => {
      const body = sent(
        decide(owning, 'POST', '/containers/create', {
          Image: 'busybox',
          HostConfig: {
            Mounts: [
              { Type: 'volume', Target: '/anon' },
              { Type: 'volume', Source: 'cache', Target: '/cache', VolumeOptions: { Labels: { keep: '1' } } },
              { Type: 'tmpfs', Target: '/tmp' },
            ],
          },
        }),
      );
      expect(body.HostConfig.Mounts.map((mount: Record<string, any>) => mount.VolumeOptions?.Labels)).toEqual([{ [OWNER_LABEL]: ME }, { keep: '1', [OWNER_LABEL]: ME }, undefined]);
    });

    it('a commit without a body sends none: the daemon takes the container\'s config, owner label included', () => {
      expect(allowed(decide(owning, 'POST', '/v1.41/commit?container=web')).body).toBeUndefined();
    });

    it.each([
      ['no labels', '/build', { [OWNER_LABEL]: ME }],
      ['the client\'s labels', `/build?labels=${encodeURIComponent('{"app":"web"}')}`, { app: 'web', [OWNER_LABEL]: ME }],
      ['a BuildKit build', `/build?version=2&remote=client-session&labels=${encodeURIComponent('{"app":"web"}')}`, { app: 'web', [OWNER_LABEL]: ME }],
    ])('a build with %s: its labels query', (_name, url, labels) => {
      expect(JSON.parse(query(decide(owning, 'POST', url)).get('labels')!)).toEqual(labels);
      expect(query(decide(plain, 'POST', url)).get('labels')).toBe(url.includes('labels') ? '{"app":"web"}' : null);
    });
  });

  describe('an import makes the requester\'s image', () => {
    it('is forwarded with a LABEL change naming the owner first, then the client\'s changes', () => {
      const url = `/images/create?fromSrc=-&repo=team/app&tag=1&changes=${encodeURIComponent('CMD ["sh"]')}`;
      expect(query(decide(owning, 'POST', url)).getAll('changes')).toEqual([`LABEL "${OWNER_LABEL}"="${ME}"`, 'CMD ["sh"]']);
      expect(query(decide(plain, 'POST', url)).getAll('changes')).toEqual(['CMD ["sh"]']);
    });

    it('leaves a pull alone', () => {
      expect(query(decide(owning, 'POST', '/images/create?fromImage=busybox&tag=1')).getAll('changes')).toEqual([]);
    });
  });

  describe('what a classic build reads', () => {
    it('hands the requester to the context inspection, which checks the Dockerfile\'s images', () => {
      expect(allowed(decide(owning, 'POST', '/build?dockerfile=Dockerfile')).buildContext).toEqual({ dockerfile: 'Dockerfile', buildArgs: {}, owner: ME });
      expect(allowed(decide(plain, 'POST', '/build?dockerfile=Dockerfile')).buildContext).toEqual({ dockerfile: 'Dockerfile', buildArgs: {} });
    });

    it('checks cachefrom images like a create\'s image; not with ownership off, nor BuildKit\'s registry caches', () => {
      const url = `/build?cachefrom=${encodeURIComponent('["team/app:1"]')}`;
      expect(allowed(decide(owning, 'POST', url)).ownedObjects).toEqual([{ kind: 'image', ref: 'team/app:1', field: 'query.cachefrom', owner: ME, ifMissing: 'go-on' }]);
      expect(allowed(decide(plain, 'POST', url)).ownedObjects).toBeUndefined();
      expect(allowed(decide(owning, 'POST', `${url}&version=2&remote=client-session`)).ownedObjects).toBeUndefined();
    });

    it('refuses a remote context, whose Dockerfile the proxy does not read, even where the policy allows remote contexts', () => {
      const remote = new DockerPolicy({ daemonApiVersion: () => '1.41', policy: { ...RESTRICTED, ownership: true, remoteBuildContexts: true } });
      const decision = decide(remote, 'POST', `/build?remote=${encodeURIComponent('https://example.com/ctx.tar')}`);
      expect(!decision.allowed && decision.denial).toMatchObject({ rule: 'ownership', field: 'query.remote' });
      expect(decide(new DockerPolicy({ daemonApiVersion: () => '1.41', policy: { ...RESTRICTED, remoteBuildContexts: true } }), 'POST', `/build?remote=${encodeURIComponent('https://example.com/ctx.tar')}`).allowed).toBe(true);
    });

    it('gives a classic build without cachefrom its own tags (and an ID that names nothing) as cache sources: no step of another client\'s build is reused', () => {
      const none = `sha256:${'0'.repeat(64)}`;
      expect(JSON.parse(query(decide(owning, 'POST', '/build?t=team/app:1&t=0abc&t=team/app:2')).get('cachefrom')!)).toEqual(['team/app:1', 'team/app:2', none]);
      expect(JSON.parse(query(decide(owning, 'POST', '/build')).get('cachefrom')!)).toEqual([none]);
      expect(JSON.parse(query(decide(owning, 'POST', `/build?cachefrom=${encodeURIComponent('[""]')}`)).get('cachefrom')!)).toEqual([none]);
      expect(query(decide(owning, 'POST', `/build?t=x&cachefrom=${encodeURIComponent('["team/app:1"]')}`)).get('cachefrom')).toBe('["team/app:1"]');
      expect(query(decide(owning, 'POST', '/build?version=2&remote=client-session')).get('cachefrom')).toBeNull();
      expect(query(decide(plain, 'POST', '/build?t=x')).get('cachefrom')).toBeNull();
    });

    it.each(['1', 'true', 'TRUE', ' yes ', 'x'])('refuses a classic build that pulls its base images (pull=%j): their ONBUILD triggers come from the registry, unchecked', (pull) => {
      const decision = decide(owning, 'POST', `/build?pull=${encodeURIComponent(pull)}`);
      expect(!decision.allowed && decision.denial).toMatchObject({ rule: 'ownership', field: 'query.pull', value: pull });
      expect(decide(plain, 'POST', `/build?pull=${encodeURIComponent(pull)}`).allowed).toBe(true);
    });

    it.each(['', '0', 'false', 'no', 'none', 'False'])('takes pull=%j, which the daemon reads as no pull', (pull) => {
      expect(decide(owning, 'POST', `/build?pull=${encodeURIComponent(pull)}`).allowed).toBe(true);
    });

    it('refuses a classic build\'s platform: a local base image of another platform is pulled, triggers and all', () => {
      const decision = decide(owning, 'POST', '/build?platform=linux/arm64');
      expect(!decision.allowed && decision.denial).toMatchObject({ rule: 'ownership', field: 'query.platform', value: 'linux/arm64' });
      expect(decide(owning, 'POST', '/build?platform=').allowed).toBe(true);
    });

    it('refuses a cachefrom ID prefix', () => {
      const decision = decide(owning, 'POST', `/build?cachefrom=${encodeURIComponent('["0123ab"]')}`);
      expect(!decision.allowed && decision.denial).toMatchObject({ rule: 'ownership', field: 'query.cachefrom', value: '0123ab' });
    });
  });

  describe('a client cannot set the owner label', () => {
    const forged = { [OWNER_LABEL]: 'CN=runner-2' };
    it.each<[string, string, unknown, string]>([
      ['container Labels', '/containers/create', { Image: 'busybox', Labels: forged }, `Labels.${OWNER_LABEL}`],
      ['a Mount\'s VolumeOptions.Labels', '/containers/create', { Image: 'b', HostConfig: { Mounts: [{ Type: 'volume', Target: '/v', VolumeOptions: { Labels: forged } }] } }, `HostConfig.Mounts[0].VolumeOptions.Labels.${OWNER_LABEL}`],
      ['volume Labels', '/volumes/create', { Name: 'v', Labels: forged }, `Labels.${OWNER_LABEL}`],
      ['network Labels', '/networks/create', { Name: 'n', Labels: forged }, `Labels.${OWNER_LABEL}`],
      ['commit Labels', '/commit?container=web', { Labels: forged }, `Labels.${OWNER_LABEL}`],
    ])('in %s', (_name, url, body, field) => {
      const decision = decide(owning, 'POST', url, body);
      expect(decision.allowed).toBe(false);
      expect(!decision.allowed && decision.denial).toMatchObject({ rule: 'ownership', field, value: 'CN=runner-2' });
      expect(!decision.allowed && decision.denial.reason).toMatch(/a client cannot set it/);
    });

    it.each([
      ['a build\'s labels query', `/build?labels=${encodeURIComponent(JSON.stringify(forged))}`, 'query.labels.dind-service.owner'],
      ['a commit\'s LABEL change', `/commit?container=web&changes=${encodeURIComponent('LABEL dind-service.owner=x')}`, 'query.changes'],
      ['a quoted LABEL change', `/commit?container=web&changes=${encodeURIComponent('LABEL "dind-service.owner"="x"')}`, 'query.changes'],
      ['an escaped LABEL change', `/commit?container=web&changes=${encodeURIComponent('LABEL dind\\-service.owner=x')}`, 'query.changes'],
      ['a LABEL change built from a variable', `/commit?container=web&changes=${encodeURIComponent('ENV K=dind-service.owner')}&changes=${encodeURIComponent('LABEL $K=x')}`, 'query.changes'],
      ['a LABEL change continued on the next value', `/commit?container=web&changes=${encodeURIComponent('LABEL a=b \\')}&changes=${encodeURIComponent('dind-service.owner=x')}`, 'query.changes'],
      ['an import\'s LABEL change', `/images/create?fromSrc=-&changes=${encodeURIComponent('LABEL dind-service.owner=x')}`, 'query.changes'],
    ])('in %s', (_name, url, field) => {
      const decision = decide(owning, 'POST', url);
      expect(!decision.allowed && decision.denial).toMatchObject({ rule: 'ownership', field });
    });

    it('other LABEL changes pass', () => {
      expect(decide(owning, 'POST', `/commit?container=web&changes=${encodeURIComponent('LABEL app=web')}`).allowed).toBe(true);
    });

    it('without the option the label is a label like any other', () => {
      expect(sent(decide(plain, 'POST', '/containers/create', { Image: 'busybox', Labels: forged })).Labels).toEqual(forged);
      expect(decide(plain, 'POST', `/commit?container=web&changes=${encodeURIComponent('LABEL dind-service.owner=x')}`).allowed).toBe(true);
    });
  });

  describe('requests on one object name it for the daemon-side check', () => {
    const withParam = ROUTE_TABLE.filter((row) => row.class !== 'denied' && /^\/(containers|exec|images|networks|volumes)\/\{(id|name)\}/.test(row.template));

    // Every route on one container, exec, image, network or volume: a new one without the column fails here.
    it.each(withParam.map((row) => [row.method, row.template, row.owns?.kind]))('%s %s names its %s', (_method, template, kind) => {
      expect(kind).toBe(template.split('/')[1].replace(/s$/, ''));
      expect(withParam.length).toBe(38);
    });

    it.each<[string, string, unknown, unknown[]]>([
      ['GET', '/v1.41/containers/web/json', undefined, [{ kind: 'container', ref: 'web', field: 'path.id' }]],
      ['DELETE', '/v1.41/containers/web', undefined, [{ kind: 'container', ref: 'web', field: 'path.id' }]],
      ['POST', '/v1.41/containers/web/stop', undefined, [{ kind: 'container', ref: 'web', field: 'path.id' }]],
      ['POST', '/v1.41/containers/web/attach?stream=1', undefined, [{ kind: 'container', ref: 'web', field: 'path.id' }]],
      ['GET', '/v1.41/containers/web/logs', undefined, [{ kind: 'container', ref: 'web', field: 'path.id' }]],
      ['POST', '/v1.41/containers/web/exec', { Cmd: ['sh'] }, [{ kind: 'container', ref: 'web', field: 'path.id' }]],
      ['POST', '/v1.41/exec/0a1b/start', { Detach: false }, [{ kind: 'exec', ref: '0a1b', field: 'path.id' }]],
      ['GET', '/v1.41/exec/0a1b/json', undefined, [{ kind: 'exec', ref: '0a1b', field: 'path.id' }]],
      ['GET', '/v1.41/volumes/data', undefined, [{ kind: 'volume', ref: 'data', field: 'path.name' }]],
      ['DELETE', '/v1.41/networks/app', undefined, [{ kind: 'network', ref: 'app', field: 'path.id' }]],
      ['POST', '/v1.41/networks/app/disconnect', undefined, [{ kind: 'network', ref: 'app', field: 'path.id', mustOwn: true }]],
      ['GET', '/v1.41/images/app:1/json', undefined, [{ kind: 'image', ref: 'app:1', field: 'path.name' }]],
      ['GET', '/v1.41/images/get?names=a:1&names=b:2', undefined, [{ kind: 'image', ref: 'a:1', field: 'query.names' }, { kind: 'image', ref: 'b:2', field: 'query.names' }]],
      ['POST', '/v1.41/commit?container=web', undefined, [{ kind: 'container', ref: 'web', field: 'query.container' }]],
      ['POST', '/v1.41/containers/create', { Image: 'app:1' }, [{ kind: 'image', ref: 'app:1', field: 'Image', ifMissing: 'go-on' }]],
      [
        'POST',
        '/v1.41/containers/create',
        { Image: 'app:1', HostConfig: { Links: ['/db:database', 'cache'] }, NetworkingConfig: { EndpointsConfig: { app: { Links: ['web:w'] } } } },
        [
          { kind: 'image', ref: 'app:1', field: 'Image', ifMissing: 'go-on' },
          { kind: 'container', ref: 'db', field: 'HostConfig.Links[0]' },
          { kind: 'container', ref: 'cache', field: 'HostConfig.Links[1]' },
          { kind: 'container', ref: 'web', field: 'NetworkingConfig.EndpointsConfig.app.Links[0]' },
        ],
      ],
      ['POST', '/v1.41/networks/app/connect', { Container: 'web' }, [{ kind: 'network', ref: 'app', field: 'path.id' }, { kind: 'container', ref: 'web', field: 'Container' }]],
      // Names are global: a name that holds another client's image is not taken from it.
      ['POST', '/v1.41/images/app:1/tag?repo=team/app&tag=2', undefined, [{ kind: 'image', ref: 'app:1', field: 'path.name', mustOwn: true, sharedReason: expect.stringContaining('a shared image is named by pulls only') }, { kind: 'image', ref: 'team/app:2', field: 'query.repo', ifMissing: 'go-on', mustOwn: true }]],
      ['POST', '/v1.41/commit?container=web&repo=team/app', undefined, [{ kind: 'container', ref: 'web', field: 'query.container' }, { kind: 'image', ref: 'team/app', field: 'query.repo', ifMissing: 'go-on', mustOwn: true }]],
      ['POST', '/v1.41/build?t=a:1&t=b', undefined, [{ kind: 'image', ref: 'a:1', field: 'query.t', ifMissing: 'go-on', mustOwn: true }, { kind: 'image', ref: 'b', field: 'query.t', ifMissing: 'go-on', mustOwn: true }]],
      ['POST', '/v1.41/images/create?fromSrc=-&repo=imported&tag=1', undefined, [{ kind: 'image', ref: 'imported:1', field: 'query.repo', ifMissing: 'go-on', mustOwn: true }]],
      // A pull may move a shared name (the registry's image); a digest is named with @.
      ['POST', '/v1.41/images/create?fromImage=busybox&tag=1.36', undefined, [{ kind: 'image', ref: 'busybox:1.36', field: 'query.fromImage', ifMissing: 'go-on' }]],
      ['POST', '/v1.41/images/create?fromImage=busybox&tag=sha256%3Aab12', undefined, [{ kind: 'image', ref: 'busybox@sha256:ab12', field: 'query.fromImage', ifMissing: 'go-on' }]],
    ])('%s %s', (method, url, body, objects) => {
      const decision = allowed(decide(owning, method, url, body));
      expect(decision.ownedObjects).toEqual(objects.map((object) => ({ owner: ME, ifMissing: 'not-found', ...(object as object) })));
      expect(allowed(decide(plain, method, url, body)).ownedObjects).toBeUndefined();
    });
  });

  describe('references in bodies carry the owner, so the daemon-side checks compare it', () => {
    it('borrowed containers, named volumes and networks of a create', () => {
      const decision = allowed(
        decide(owning, 'POST', '/containers/create', {
          Image: 'b',
          HostConfig: { VolumesFrom: ['a'], Binds: ['data:/data'], NetworkMode: 'app', PidMode: 'container:a' },
        }),
      );
      expect(decision.containerReferences?.map((reference) => reference.owner)).toEqual([ME, ME]);
      expect(decision.volumeReferences).toEqual([{ field: 'HostConfig.Binds[0]', value: 'data:/data', name: 'data', owner: ME }]);
      expect(decision.networkReferences).toEqual([{ field: 'HostConfig.NetworkMode', value: 'app', ref: 'app', owner: ME }]);
      const off = allowed(decide(plain, 'POST', '/containers/create', { Image: 'b', HostConfig: { VolumesFrom: ['a'] } }));
      expect(off.containerReferences?.[0].owner).toBeUndefined();
    });

    it('a named Mount volume carries its labels for the volume the proxy creates', () => {
      const decision = allowed(decide(owning, 'POST', '/containers/create', { Image: 'b', HostConfig: { Mounts: [{ Type: 'volume', Source: 'cache', Target: '/c' }] } }));
      expect(decision.volumeReferences).toEqual([{ field: 'HostConfig.Mounts[0].Source', value: 'cache', name: 'cache', owner: ME, labels: { [OWNER_LABEL]: ME } }]);
    });

    it('the borrowed-container check refuses another client\'s container and names the field', () => {
      const reference = { ...allowed(decide(owning, 'POST', '/containers/create', { Image: 'b', HostConfig: { VolumesFrom: ['a'] } })).containerReferences![0] };
      const inspected = (labels: object) => ({ Name: '/a', Config: { Labels: labels }, HostConfig: {}, Mounts: [] });
      expect(owning.checkReferencedContainer(reference, inspected({ [OWNER_LABEL]: 'CN=other' }))).toMatchObject({ rule: 'ownership', field: 'HostConfig.VolumesFrom[0]' });
      expect(owning.checkReferencedContainer(reference, inspected({ [OWNER_LABEL]: ME }))).toBeUndefined();
    });

    it('the volume and network checks refuse another client\'s, and allow the predefined networks', () => {
      const volume = { field: 'HostConfig.Binds[0]', value: 'd:/d', name: 'd', owner: ME };
      expect(owning.checkReferencedVolume(volume, { Name: 'd', Driver: 'local', Labels: { [OWNER_LABEL]: 'CN=other' } })?.rule).toBe('ownership');
      expect(owning.checkReferencedVolume(volume, { Name: 'd', Driver: 'local', Labels: { [OWNER_LABEL]: ME } })).toBeUndefined();
      const network = { field: 'NetworkingConfig.EndpointsConfig.app', value: 'app', ref: 'app', owner: ME };
      expect(owning.checkReferencedNetwork(network, { Id: 'f00', Name: 'app', Driver: 'bridge', Labels: {} })?.rule).toBe('ownership');
      const bridge = { ...network, ref: 'bridge', value: 'bridge' };
      expect(owning.checkReferencedNetwork(bridge, { Id: 'f01', Name: 'bridge', Driver: 'bridge', Labels: {}, Options: { 'com.docker.network.bridge.default_bridge': 'true' } })).toBeUndefined();
    });
  });

  describe('lists are narrowed, not refused', () => {
    it.each([
      ['GET', '/v1.41/containers/json?all=1'],
      ['GET', '/v1.41/volumes'],
      ['POST', '/v1.41/containers/prune'],
      ['POST', '/v1.41/volumes/prune'],
      ['POST', '/v1.41/networks/prune'],
      ['POST', '/v1.41/images/prune'],
      ['GET', '/v1.41/events?since=1'],
    ])('%s %s gets the owner label filter', (method, url) => {
      expect(JSON.parse(query(decide(owning, method, url)).get('filters')!)).toEqual({ label: { [`${OWNER_LABEL}=${ME}`]: true } });
      expect(query(decide(plain, method, url)).get('filters')).toBeNull();
    });

    it('keeps the client\'s own filters, ANDed', () => {
      const url = `/v1.41/containers/json?filters=${encodeURIComponent('{"label":["app=web"]}')}`;
      expect(JSON.parse(query(decide(owning, 'GET', url)).get('filters')!)).toEqual({ label: { 'app=web': true, [`${OWNER_LABEL}=${ME}`]: true } });
    });

    it('refuses filters it cannot read', () => {
      const decision = decide(owning, 'GET', '/v1.41/containers/json?filters=%7B');
      expect(!decision.allowed && decision.denial.rule).toBe('query.filters');
    });

    it.each([
      ['/v1.41/images/json', 'images'],
      ['/v1.41/networks', 'networks'],
      ['/v1.41/system/df', 'system-df'],
      ['/v1.41/networks/bridge', 'network'],
    ])('GET %s: the proxy narrows the answer (%s)', (url, view) => {
      expect(allowed(decide(owning, 'GET', url)).ownerView).toEqual({ view, owner: ME });
      expect(allowed(decide(plain, 'GET', url)).ownerView).toBeUndefined();
    });
  });

  it('refuses a request without a client identity (fail closed)', () => {
    const decision = decide(owning, 'GET', '/v1.41/containers/json', undefined, null);
    expect(!decision.allowed && decision.denial.rule).toBe('policy.identity');
  });

  it('with the option off, a decision is the same whoever asks', () => {
    const body = { Image: 'busybox', Labels: { a: 'b' } };
    expect(decide(plain, 'POST', '/containers/create', body, 'CN=a')).toEqual(decide(plain, 'POST', '/containers/create', body, null));
  });
});

describe('ownership in dry-run mode', () => {
  const dryOwning = new DockerPolicy({ daemonApiVersion: () => '1.41', policy: { ...RESTRICTED, ownership: true, dryRun: true } });

  it.each<[string, string, unknown]>([
    ['a forged container label', '/containers/create', { Image: 'b', Labels: { [OWNER_LABEL]: 'CN=runner-2' } }],
    ['a forged label beside a rule\'s refusal', '/containers/create', { Image: 'b', Labels: { [OWNER_LABEL]: 'CN=runner-2' }, HostConfig: { Privileged: true } }],
  ])('still refuses %s: ownership is not tried out', (_name, url, body) => {
    const decision = decide(dryOwning, 'POST', url, body);
    expect(!decision.allowed && decision.denial.rule).toBe('ownership');
  });

  it('still refuses a forged build label beside a rule\'s refusal', () => {
    const labels = encodeURIComponent(JSON.stringify({ [OWNER_LABEL]: 'CN=runner-2' }));
    const decision = decide(dryOwning, 'POST', `/build?networkmode=host&labels=${labels}`);
    expect(!decision.allowed && decision.denial.rule).toBe('ownership');
  });

  it('forwards a rule\'s refusal with the references it makes, for the daemon-side checks', () => {
    const decision = allowed(decide(dryOwning, 'POST', '/containers/create', { Image: 'b', HostConfig: { Privileged: true, VolumesFrom: ['a'], Binds: ['data:/data'] } }));
    expect(decision.wouldDeny?.rule).toBe('privileged');
    expect(decision.containerReferences?.map((reference) => [reference.value, reference.owner])).toEqual([['a', ME]]);
    expect(decision.volumeReferences?.map((reference) => reference.owner)).toEqual([ME]);
    expect(decision.ownedObjects?.map((object) => object.ref)).toContain('b');
  });
});

describe('a volume create names an existing volume too', () => {
  it('inspects the name first: the daemon would answer with the existing volume, another client\'s labels included', () => {
    const decision = allowed(decide(owning, 'POST', '/volumes/create', { Name: 'data' }));
    expect(decision.ownedObjects).toEqual([{ kind: 'volume', ref: 'data', field: 'Name', owner: ME, ifMissing: 'go-on' }]);
    expect(allowed(decide(owning, 'POST', '/volumes/create', {})).ownedObjects ?? []).toEqual([]);
  });
});

describe('a pull of every tag', () => {
  it.each(['/v1.41/images/create?fromImage=team/app', '/v1.41/images/create?fromImage=registry:5000/team/app'])('is refused: %s would move tags no check saw', (url) => {
    const decision = decide(owning, 'POST', url);
    expect(!decision.allowed && decision.denial).toMatchObject({ rule: 'ownership', field: 'query.fromImage' });
  });

  it.each(['/v1.41/images/create?fromImage=team/app:1', '/v1.41/images/create?fromImage=team/app@sha256:ab', '/v1.41/images/create?fromImage=registry:5000/team/app&tag=1'])('one tag or digest is a pull of one name: %s', (url) => {
    expect(decide(owning, 'POST', url).allowed).toBe(true);
    expect(decide(plain, 'POST', url.replace(/&tag=1$/, '')).allowed).toBe(true);
  });
});

describe('a BuildKit build\'s outputs', () => {
  const q = (outputs: unknown) => `/v1.41/build?version=2&remote=client-session&session=s&outputs=${encodeURIComponent(JSON.stringify(outputs))}`;
  it.each([
    [[{ Type: 'moby', Attrs: { name: 'team/app:v1' } }]],
    [[{ Type: 'image', Attrs: { Name: 'team/app:v1', push: 'false' } }]],
  ])('may not name an image: %j', (outputs) => {
    const decision = decide(owning, 'POST', q(outputs));
    expect(!decision.allowed && decision.denial).toMatchObject({ rule: 'ownership', field: 'query.outputs' });
  });

  it.each([[[{ Type: 'local', Attrs: { dest: 'out' } }]], [[{ Type: 'moby' }]], [[]]])('may export elsewhere: %j', (outputs) => {
    expect(decide(owning, 'POST', q(outputs)).allowed).toBe(true);
  });
});

describe('a push', () => {
  it.each([
    ['/v1.41/images/team/app/push?tag=v1', 'team/app:v1'],
    ['/v1.41/images/team/app:mine/push?tag=v1', 'team/app:v1'],
    ['/v1.41/images/team/app:mine/push', 'team/app:mine'],
    ['/v1.41/images/registry:5000/team/app/push?tag=v1', 'registry:5000/team/app:v1'],
  ])('%s is checked as what the daemon pushes, %s', (url, ref) => {
    expect(allowed(decide(owning, 'POST', url)).ownedObjects?.map((object) => object.ref)).toEqual([ref]);
  });

  it.each(['/v1.41/images/team/app/push', '/v1.41/images/registry:5000/team/app/push'])('of every tag is refused: %s', (url) => {
    const decision = decide(owning, 'POST', url);
    expect(!decision.allowed && decision.denial).toMatchObject({ rule: 'ownership', field: 'path.name' });
  });
});

describe('a save', () => {
  it('of a repository name saves, and is checked as, its latest tag only (the daemon would save every tag)', () => {
    const decision = allowed(decide(owning, 'GET', '/v1.41/images/get?names=team%2Fapp&names=busybox%3A1&names=3f9c2a1b7d4e&names=sha256%3Aab12'));
    expect(decision.ownedObjects?.map((object) => object.ref)).toEqual(['team/app:latest', 'busybox:1', '3f9c2a1b7d4e', 'sha256:ab12']);
    expect(query(decide(owning, 'GET', '/v1.41/images/get?names=team%2Fapp&names=busybox%3A1')).getAll('names')).toEqual(['team/app:latest', 'busybox:1']);
    expect(query(decide(plain, 'GET', '/v1.41/images/get?names=team%2Fapp')).getAll('names')).toEqual(['team/app']);
  });

  it('of a repository name in the path is refused', () => {
    const decision = decide(owning, 'GET', '/v1.41/images/team/app/get');
    expect(!decision.allowed && decision.denial).toMatchObject({ rule: 'ownership', field: 'path.name' });
    expect(decide(owning, 'GET', '/v1.41/images/team/app:1/get').allowed).toBe(true);
  });
});
