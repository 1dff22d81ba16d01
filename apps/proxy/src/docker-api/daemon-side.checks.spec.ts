import { AllowedRequest, deny, DockerPolicy, ResolvedIds, RESTRICTED } from '@dind/policy';
import { DialTargetChecker } from '../network/dial-target.checker';
import { ContainerCountChecker } from './container-count.checker';
import { ContainerReferenceChecker } from './container-reference.checker';
import { DaemonSideChecks } from './daemon-side.checks';
import { NetworkReferenceChecker } from './network-reference.checker';
import { OwnershipChecker } from './ownership.checker';
import { VolumeReferenceChecker } from './volume-reference.checker';

const refused = deny('remote-address', 'vm resolves to 127.0.0.1', 'query.fromImage', 'vm:5000/x');
const dial = { check: jest.fn(async () => refused) } as unknown as DialTargetChecker;
const containers = { check: jest.fn(async () => undefined) } as unknown as ContainerReferenceChecker;
const full = deny('resources', 'the daemon already holds 200 containers', 'containers', 200);
const count = { check: jest.fn(async () => full) } as unknown as ContainerCountChecker;
const bindVolume = deny('volume-reference', 'volume "v" exists with DriverOpts={"o":"bind"}', 'HostConfig.Binds[0]', 'v:/data');
const volumes = { check: jest.fn(async () => bindVolume) } as unknown as VolumeReferenceChecker;
const hostNetwork = deny('network-reference', 'network "0a1b" resolves to "host"', 'path.id', '0a1b');
const networks = { check: jest.fn(async () => hostNetwork) } as unknown as NetworkReferenceChecker;
const notMine = deny('ownership', 'container "web" belongs to another client', 'path.id', 'web');
const ownership = { check: jest.fn(async () => notMine) } as unknown as OwnershipChecker;
const checks = (dryRun: boolean) =>
  new DaemonSideChecks(new DockerPolicy({ daemonApiVersion: () => '1.41', policy: { ...RESTRICTED, dryRun } }), dial, containers, count, volumes, networks, ownership);
const allowed = (extra: Partial<AllowedRequest> = {}) => ({ allowed: true, upstreamUrl: '/v1.41/images/create', params: {}, apiVersion: '1.41', ...extra }) as AllowedRequest;
const withTarget = allowed({ dialTargets: [{ field: 'query.fromImage', value: 'vm:5000/x', host: 'vm:5000' }] });

describe('DaemonSideChecks', () => {
  beforeEach(() => jest.clearAllMocks());

  it('asks nothing of DNS or the daemon for a request that names no host or container', async () => {
    const decision = allowed();
    expect(await checks(false).settle(decision)).toBe(decision);
    expect(dial.check).not.toHaveBeenCalled();
    expect(containers.check).not.toHaveBeenCalled();
    expect(count.check).not.toHaveBeenCalled();
    expect(volumes.check).not.toHaveBeenCalled();
    expect(networks.check).not.toHaveBeenCalled();
    expect(ownership.check).not.toHaveBeenCalled();
  });

  it('checks the owner of the objects a request acts on, and reports its refusal before any other', async () => {
    const object = { kind: 'container', ref: 'web', field: 'path.id', owner: '10.0.0.5', ifMissing: 'not-found' } as const;
    // The dial check refuses too (and is asked alongside): the owner's refusal is the one the client sees.
    expect(await checks(false).settle(allowed({ ownedObjects: [object], dialTargets: withTarget.dialTargets }))).toBe(notMine);
    expect(ownership.check).toHaveBeenCalledWith([object], expect.any(ResolvedIds), undefined);
  });

  it('forwards the request naming what the checks resolved, and refuses a reference they resolved differently', async () => {
    const policy = new DockerPolicy({ daemonApiVersion: () => '1.41', policy: { ...RESTRICTED, ownership: true } });
    const decided = policy.decide({ method: 'DELETE', url: '/v1.41/containers/web?force=1', headers: {}, client: '10.0.0.5' });
    if (!decided.allowed) throw new Error(decided.denial.reason);
    const id = 'ab'.repeat(32);
    const resolving = (...ids: string[]) =>
      ({ check: jest.fn(async (_objects: unknown, resolved: ResolvedIds) => void ids.forEach((one) => resolved.record('container', 'web', one))) }) as unknown as OwnershipChecker;
    const settle = (owner: OwnershipChecker) => new DaemonSideChecks(policy, dial, containers, count, volumes, networks, owner).settle(decided);
    expect(await settle(resolving(id))).toMatchObject({ upstreamUrl: `/v1.41/containers/${id}?force=1` });
    expect(await settle(resolving(id, 'cd'.repeat(32)))).toMatchObject({ rule: 'reference.moved', field: 'path.id', value: 'web' });
  });

  it('in ownership mode creates volumes last: a refusal of the networks or the count leaves no volume behind', async () => {
    const reference = { field: 'HostConfig.Binds[0]', value: 'v:/data', name: 'v', owner: '10.0.0.5' };
    const create = allowed({ volumeReferences: [reference], networkReferences: [{ field: 'path.id', value: '0a1b', ref: '0a1b' }] });
    expect(await checks(false).settle(create)).toBe(hostNetwork);
    expect(volumes.check).not.toHaveBeenCalled();
  });

  it('inspects the named volumes a request mounts, and answers their refusal', async () => {
    const reference = { field: 'HostConfig.Binds[0]', value: 'v:/data', name: 'v' };
    expect(await checks(false).settle(allowed({ volumeReferences: [reference] }))).toBe(bindVolume);
    expect(volumes.check).toHaveBeenCalledWith([reference]);
  });

  it('resolves the networks a request attaches to, and answers their refusal', async () => {
    const reference = { field: 'path.id', value: '0a1b', ref: '0a1b' };
    expect(await checks(false).settle(allowed({ networkReferences: [reference] }))).toBe(hostNetwork);
    expect(networks.check).toHaveBeenCalledWith([reference], expect.any(ResolvedIds));
  });

  it('counts the containers only for a request that adds one, and answers the ceiling\'s refusal', async () => {
    const create = allowed({ upstreamUrl: '/v1.41/containers/create', containerCount: { adds: 'container' } });
    expect(await checks(false).settle(create)).toBe(full);
    expect(count.check).toHaveBeenCalledWith({ adds: 'container' });
  });

  it("answers a checker's refusal", async () => {
    expect(await checks(false).settle(withTarget)).toBe(refused);
  });

  it('in dry-run forwards the request with the refusal as its would-be denial', async () => {
    expect(await checks(true).settle(withTarget)).toEqual({ ...withTarget, wouldDeny: refused });
  });
  it('asks its questions together, and reports the first refusal in its fixed order whichever answers first', async () => {
    const started: string[] = [];
    const slowVolumes = {
      check: jest.fn(async () => {
        started.push('volumes');
        await new Promise((resolve) => setTimeout(resolve, 30));
        started.push('volumes answered');
        return bindVolume;
      }),
    } as unknown as VolumeReferenceChecker;
    const quickCount = { check: jest.fn(async () => (started.push('count'), full)) } as unknown as ContainerCountChecker;
    const together = new DaemonSideChecks(new DockerPolicy({ daemonApiVersion: () => '1.41', policy: RESTRICTED }), dial, containers, quickCount, slowVolumes, networks, ownership);
    const create = allowed({ containerCount: { adds: 'container' }, volumeReferences: [{ field: 'HostConfig.Binds[0]', value: 'v:/data', name: 'v' }] });
    expect(await together.settle(create)).toBe(bindVolume);
    expect(started).toEqual(['volumes', 'count', 'volumes answered']);
  });
});
