import { DockerPolicy } from '../docker-policy';
import { parsePolicyOptions } from '../options/policy-options';
import type { AllowedRequest } from '../policy-request';
import { pinnedRequest, pinnedValue, withPathParam, withQueryValue } from './pinned-request';
import { imageForwardRef, ResolvedIds } from './resolved-ids';

const A = 'a1b2'.padEnd(64, '9');
const N = 'fe'.padEnd(64, '7');
const IMAGE = `sha256:${'cafe'.padEnd(64, '1')}`;

describe('withPathParam', () => {
  it.each([
    ['a container id, query kept byte for byte', '/v1.41/containers/a1b2?force=1&v=true', '/containers/{id}', 'id', A, `/v1.41/containers/${A}?force=1&v=true`],
    ['a segment after the id', '/v1.41/containers/a1b2/archive?path=%2Fetc', '/containers/{id}/archive', 'id', A, `/v1.41/containers/${A}/archive?path=%2Fetc`],
    ['an exec id', '/v1.44/exec/e1/start', '/exec/{id}/start', 'id', A, `/v1.44/exec/${A}/start`],
    ['a network id', '/v1.41/networks/fe', '/networks/{id}', 'id', N, `/v1.41/networks/${N}`],
    ['an image name of one segment', '/v1.41/images/cafe/tag?repo=x&tag=y', '/images/{name}/tag', 'name', IMAGE, `/v1.41/images/${IMAGE}/tag?repo=x&tag=y`],
    ['an image name of several segments', '/v1.41/images/reg:5000/team/cafe/json', '/images/{name}/json', 'name', 'docker.io/library/cafe', '/v1.41/images/docker.io/library/cafe/json'],
    ['an image name at the end', '/v1.41/images/reg/cafe', '/images/{name}', 'name', IMAGE, `/v1.41/images/${IMAGE}`],
  ])('pins %s', (_case, url, template, param, value, expected) => {
    expect(withPathParam(url, template, param, value)).toBe(expected);
  });
});

describe('withQueryValue', () => {
  it.each([
    ['the named parameter only', '/v1.41/commit?container=a1b2&repo=a1b2&tag=t', 'container', 'a1b2', A, `/v1.41/commit?container=${A}&repo=a1b2&tag=t`],
    ['a container: mode', '/v1.41/build?networkmode=container%3Aweb&t=x', 'networkmode', 'web', A, `/v1.41/build?networkmode=container%3A${A}&t=x`],
    ['each matching value of a repeated parameter', '/v1.41/images/get?names=cafe&names=alpine&names=cafe', 'names', 'cafe', IMAGE, `/v1.41/images/get?names=${encodeURIComponent(IMAGE)}&names=alpine&names=${encodeURIComponent(IMAGE)}`],
    ['nothing without a query', '/v1.41/commit', 'container', 'a1b2', A, '/v1.41/commit'],
  ])('replaces %s', (_case, url, key, ref, id, expected) => {
    expect(withQueryValue(url, key, ref, id)).toBe(expected);
  });
});

describe('pinnedValue', () => {
  it.each([
    ['VolumesFrom keeps its mode', 'HostConfig.VolumesFrom[0]', 'a1b2:ro', 'a1b2', `${A}:ro`],
    ['VolumesFrom without a mode', 'HostConfig.VolumesFrom[1]', 'a1b2', 'a1b2', A],
    ['VolumesFrom keeps every mode after the first colon', 'HostConfig.VolumesFrom[0]', 'a1b2:ro,z', 'a1b2', `${A}:ro,z`],
    ['a link keeps its alias', 'HostConfig.Links[0]', 'a1b2:db', 'a1b2', `${A}:db`],
    ['a link without an alias keeps the name as its alias', 'HostConfig.Links[0]', '/a1b2', 'a1b2', `${A}:a1b2`],
    ['an endpoint link', 'NetworkingConfig.EndpointsConfig.my.net.Links[0]', 'a1b2', 'a1b2', `${A}:a1b2`],
    ['a container: namespace mode', 'HostConfig.PidMode', 'container:a1b2', 'a1b2', `container:${A}`],
    ['a plain reference', 'Container', 'a1b2', 'a1b2', A],
  ])('%s', (_case, field, value, ref, expected) => {
    expect(pinnedValue(field, value, ref, A)).toBe(expected);
  });
});

describe('imageForwardRef', () => {
  const tagged = { Id: IMAGE, RepoTags: ['cafe:latest'] };
  const untagged = { Id: IMAGE, RepoTags: [] };
  it.each([
    ['a name that cannot be an ID prefix, as it is', 'alpine:3.20', untagged, 'alpine:3.20'],
    ['a registry name, as it is', 'reg:5000/cafe', untagged, 'reg:5000/cafe'],
    ['an ID prefix, as the full ID', 'cafe', untagged, IMAGE],
    ['a sha256: ID prefix, as the full ID', 'sha256:cafe1', untagged, IMAGE],
    ['a hex-only name that is a tag, fully qualified', 'cafe', tagged, 'docker.io/library/cafe'],
    ['a hex-only name of another image, fully qualified', 'beef', tagged, 'docker.io/library/beef'],
  ])('forwards %s', (_case, ref, inspected, expected) => {
    expect(imageForwardRef(ref, inspected)).toBe(expected);
  });
  it('names nothing when the answer has no image ID', () => {
    expect(imageForwardRef('cafe', {})).toBeUndefined();
  });
});

describe('pinnedRequest', () => {
  const owner = 'CN=runner-1';
  const policy = new DockerPolicy({ daemonApiVersion: () => '1.41', policy: parsePolicyOptions({ ownership: true }, 'test') });
  const decide = (method: string, url: string, body?: unknown): AllowedRequest => {
    const decision = policy.decide({ method, url, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)), client: owner });
    if (!decision.allowed) throw new Error(decision.denial.reason);
    return decision;
  };
  const ids = (...entries: Array<[Parameters<ResolvedIds['record']>[0], string, string]>) => {
    const resolved = new ResolvedIds();
    for (const [kind, ref, id] of entries) resolved.record(kind, ref, id);
    return resolved;
  };

  it.each([
    ['DELETE', '/v1.41/containers/a1b2?force=1', 'container', 'a1b2', A, `/v1.41/containers/${A}?force=1`],
    ['GET', '/v1.41/containers/a1b2/export', 'container', 'a1b2', A, `/v1.41/containers/${A}/export`],
    ['PUT', '/v1.41/containers/a1b2/archive?path=%2Ftmp', 'container', 'a1b2', A, `/v1.41/containers/${A}/archive?path=%2Ftmp`],
    ['POST', '/v1.41/exec/e1/resize?h=1&w=2', 'exec', 'e1', A, `/v1.41/exec/${A}/resize?h=1&w=2`],
    ['DELETE', '/v1.41/networks/fe', 'network', 'fe', N, `/v1.41/networks/${N}`],
    ['DELETE', '/v1.41/images/cafe', 'image', 'cafe', IMAGE, `/v1.41/images/${IMAGE}`],
    ['DELETE', '/v1.41/images/alpine', 'image', 'alpine', 'alpine', '/v1.41/images/alpine'],
  ])('%s %s names what was checked', (method, url, kind, ref, id, expected) => {
    expect((pinnedRequest(decide(method, url), ids([kind as 'container', ref, id])) as AllowedRequest).upstreamUrl).toBe(expected);
  });

  it("pins a commit's container and leaves the image name it makes", () => {
    const pinned = pinnedRequest(decide('POST', '/v1.41/commit?container=a1b2&repo=a1b2'), ids(['container', 'a1b2', A]));
    expect((pinned as AllowedRequest).upstreamUrl).toBe(`/v1.41/commit?container=${A}&repo=a1b2`);
  });

  it("pins a create's borrowed containers, links and image in the canonical body, and nothing else", () => {
    const body = {
      Image: 'cafe',
      HostConfig: { VolumesFrom: ['a1b2:ro'], NetworkMode: 'container:a1b2', PidMode: 'container:web', Links: ['web:db'] },
      Labels: { note: 'a1b2' },
    };
    const decision = decide('POST', '/v1.41/containers/create?name=a1b2', body);
    const W = 'b'.repeat(64);
    const pinned = pinnedRequest(decision, ids(['container', 'a1b2', A], ['container', 'web', W], ['image', 'cafe', IMAGE])) as AllowedRequest;
    const sent = JSON.parse(pinned.body!.toString()) as typeof body & { Labels: Record<string, string> };
    expect(sent.Image).toBe(IMAGE);
    expect(sent.HostConfig).toMatchObject({ VolumesFrom: [`${A}:ro`], NetworkMode: `container:${A}`, PidMode: `container:${W}`, Links: [`${W}:db`] });
    expect(sent.Labels.note).toBe('a1b2');
    expect(pinned.upstreamUrl).toBe(decision.upstreamUrl);
    // Only the pinned values differ from the canonical body.
    const unpinned = JSON.parse(decision.body!.toString()) as Record<string, unknown>;
    expect({ ...sent, Image: unpinned.Image, HostConfig: unpinned.HostConfig }).toEqual(unpinned);
  });

  it.each([
    ['a commit', 'POST', '/v1.41/commit?container=alpine&repo=cafe'],
    ['a pull', 'POST', '/v1.41/images/create?fromImage=cafe&tag=latest'],
    ['a tag', 'POST', '/v1.41/images/alpine/tag?repo=cafe'],
    ['a build', 'POST', '/v1.41/build?t=cafe'],
  ])('leaves the image name %s gives its result, which is a name and not a reference', (_case, method, url) => {
    const decision = decide(method, url);
    const pinned = pinnedRequest(decision, ids(['image', 'cafe:v1', IMAGE], ['image', 'cafe:latest', IMAGE], ['image', 'cafe', IMAGE])) as AllowedRequest;
    expect(pinned.upstreamUrl).toBe(decision.upstreamUrl);
  });

  it('leaves a push naming its repository: the daemon reads it only as a name', () => {
    const decision = decide('POST', '/v1.41/images/cafe/push?tag=latest');
    expect(pinnedRequest(decision, ids(['image', 'cafe', IMAGE]))).toBe(decision);
  });

  describe("a create's networks: the endpoint's NetworkID, which the daemon prefers to the stored name at start", () => {
    const create = (body: Record<string, unknown>, ...entries: Array<[string, string]>) => {
      const decision = decide('POST', '/v1.44/containers/create', { Image: 'alpine', ...body });
      const pinned = pinnedRequest(decision, ids(...entries.map(([ref, id]) => ['network', ref, id] as ['network', string, string]))) as AllowedRequest;
      return JSON.parse(pinned.body!.toString()) as { HostConfig?: Record<string, unknown>; NetworkingConfig?: { EndpointsConfig: Record<string, Record<string, unknown>> } };
    };
    const M = 'd'.repeat(64);

    it('adds the endpoint a NetworkMode network would have had, keyed as written', () => {
      const sent = create({ HostConfig: { NetworkMode: 'fe12' } }, ['fe12', N]);
      expect(sent.HostConfig!.NetworkMode).toBe('fe12');
      expect(sent.NetworkingConfig).toEqual({ EndpointsConfig: { fe12: { NetworkID: N } } });
    });

    it("sets each user-defined endpoint's NetworkID, keeps its other settings and key, leaves predefined ones", () => {
      const sent = create(
        { HostConfig: { NetworkMode: 'front.net' }, NetworkingConfig: { EndpointsConfig: { 'front.net': { Aliases: ['web'] }, back: {}, bridge: {} } } },
        ['front.net', N],
        ['back', M],
      );
      expect(sent.HostConfig!.NetworkMode).toBe('front.net');
      expect(sent.NetworkingConfig!.EndpointsConfig).toEqual({ 'front.net': { Aliases: ['web'], NetworkID: N }, back: { NetworkID: M }, bridge: {} });
    });

    it('replaces a NetworkID the client gave by the full ID it resolved to', () => {
      const sent = create({ HostConfig: { NetworkMode: 'front' }, NetworkingConfig: { EndpointsConfig: { front: { NetworkID: 'fe' } } } }, ['front', M], ['fe', N]);
      expect(sent.NetworkingConfig!.EndpointsConfig.front.NetworkID).toBe(N);
    });
  });

  it("pins a connect's network in the path and in its endpoint's NetworkID", () => {
    const decision = decide('POST', '/v1.41/networks/fe/connect', { Container: 'web', EndpointConfig: { Aliases: ['x'] } });
    const pinned = pinnedRequest(decision, ids(['network', 'fe', N], ['container', 'web', A])) as AllowedRequest;
    expect(pinned.upstreamUrl).toBe(`/v1.41/networks/${N}/connect`);
    expect(JSON.parse(pinned.body!.toString())).toEqual({ Container: A, EndpointConfig: { Aliases: ['x'], NetworkID: N } });
  });

  it('forwards the decision itself when nothing was resolved', () => {
    const decision = decide('GET', '/v1.41/volumes/data');
    expect(pinnedRequest(decision, new ResolvedIds())).toBe(decision);
  });

  it('refuses a reference two inspects resolved to different objects', () => {
    const decision = decide('DELETE', '/v1.41/containers/a1b2');
    expect(pinnedRequest(decision, ids(['container', 'a1b2', A], ['container', 'a1b2', 'c'.repeat(64)]))).toMatchObject({ rule: 'reference.moved', field: 'path.id', value: 'a1b2' });
  });
});
