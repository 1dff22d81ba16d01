import { OWNER_LABEL } from './owner-label';
import { ownerVisible } from './owner-view';

const ME = '10.0.0.5';
const mine = { [OWNER_LABEL]: ME };
const theirs = { [OWNER_LABEL]: '10.0.0.6' };

describe('ownerVisible', () => {
  it('lists own and unlabelled images, not another client\'s', () => {
    const images = [
      { Id: 'a', Labels: mine },
      { Id: 'b', Labels: theirs },
      { Id: 'c', Labels: null, RepoTags: ['busybox:latest'] },
      { Id: 'd', RepoDigests: ['busybox@sha256:ab'] },
      { Id: 'e', Labels: {}, RepoTags: [] },
      { Id: 'f', Labels: null, RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'] },
    ];
    // e and f: nameless and unlabelled, a classic build's step or stage images.
    expect((ownerVisible('images', images, ME) as Array<{ Id: string }>).map((image) => image.Id)).toEqual(['a', 'c', 'd']);
  });

  it('lists own networks and the predefined ones, not another client\'s nor unlabelled user networks', () => {
    const networks = [
      { Name: 'bridge', Labels: {} },
      { Name: 'host', Labels: {} },
      { Name: 'none', Labels: {} },
      { Name: 'mine', Labels: mine },
      { Name: 'theirs', Labels: theirs },
      { Name: 'operator', Labels: {} },
    ];
    expect((ownerVisible('networks', networks, ME) as Array<{ Name: string }>).map((network) => network.Name)).toEqual(['bridge', 'host', 'none', 'mine']);
  });

  it('lists no containers in a network list entry (API versions before 1.28 list them: every client\'s on the bridge)', () => {
    const networks = [
      { Name: 'bridge', Labels: {}, Containers: { c1: { Name: 'mine' }, c2: { Name: 'theirs' } } },
      { Name: 'mine', Labels: mine, Containers: {} },
      { Name: 'host', Labels: {} },
    ];
    expect(ownerVisible('networks', networks, ME)).toEqual([{ Name: 'bridge', Labels: {}, Containers: {} }, { Name: 'mine', Labels: mine, Containers: {} }, { Name: 'host', Labels: {} }]);
  });

  it('narrows /system/df: own containers and volumes, own and shared images; totals as the daemon counted them', () => {
    const df = {
      LayersSize: 1000,
      Images: [{ Id: 'a', Labels: mine }, { Id: 'b', Labels: theirs }, { Id: 'c', Labels: {}, RepoTags: ['busybox:latest'] }, { Id: 'd', Labels: {}, RepoTags: [] }],
      Containers: [{ Id: '1', Labels: mine }, { Id: '2', Labels: theirs }, { Id: '3', Labels: {} }],
      Volumes: [{ Name: 'v1', Labels: mine }, { Name: 'v2', Labels: theirs }, { Name: 'v3', Labels: null }],
      BuildCache: [],
    };
    expect(ownerVisible('system-df', df, ME)).toEqual({
      LayersSize: 1000,
      Images: [df.Images[0], df.Images[2]],
      Containers: [df.Containers[0]],
      Volumes: [df.Volumes[0]],
      BuildCache: [],
    });
  });

  it('narrows /system/df of API 1.52 too: the Items of ImageUsage, ContainerUsage and VolumeUsage list every client\'s objects', () => {
    // moby daemon/server/router/system/system_routes.go getDiskUsage: API 1.52
    // answers the legacy fields and the new ones, whose Items the daemon fills
    // whenever it fills the legacy lists (and alone with ?verbose=1).
    const df = {
      ImageUsage: { ActiveCount: 2, TotalCount: 4, Reclaimable: 5, TotalSize: 10, Items: [{ Id: 'a', Labels: mine }, { Id: 'b', Labels: theirs }, { Id: 'c', Labels: {}, RepoTags: ['busybox:latest'] }, { Id: 'd', Labels: {}, RepoTags: [] }] },
      ContainerUsage: { ActiveCount: 1, TotalCount: 3, Reclaimable: 0, TotalSize: 7, Items: [{ Id: '1', Labels: mine }, { Id: '2', Labels: theirs }, { Id: '3', Labels: {} }] },
      VolumeUsage: { ActiveCount: 1, TotalCount: 3, Reclaimable: 0, TotalSize: 7, Items: [{ Name: 'v1', Labels: mine }, { Name: 'v2', Labels: theirs }, { Name: 'v3', Labels: null }] },
      BuildCacheUsage: { ActiveCount: 0, TotalCount: 0, Reclaimable: 0, TotalSize: 0 },
    };
    const seen = ownerVisible('system-df', df, ME) as typeof df;
    expect(seen.ImageUsage.Items).toEqual([df.ImageUsage.Items[0], df.ImageUsage.Items[2]]);
    expect(seen.ContainerUsage.Items).toEqual([df.ContainerUsage.Items[0]]);
    expect(seen.VolumeUsage.Items).toEqual([df.VolumeUsage.Items[0]]);
    expect(seen.ImageUsage.TotalSize).toBe(10);
    // Without Items (the daemon omits them when empty) the entry stays as it was.
    expect(ownerVisible('system-df', { ImageUsage: { TotalCount: 0 } }, ME)).toEqual({ ImageUsage: { TotalCount: 0 } });
  });

  it('shows only the requester\'s containers in a network\'s inspect (the default bridge is everyone\'s)', () => {
    const bridge = { Name: 'bridge', Containers: { c1: { Name: 'mine' }, c2: { Name: 'theirs' } }, Options: {} };
    expect(ownerVisible('network', bridge, ME, new Set(['c1']))).toEqual({ ...bridge, Containers: { c1: { Name: 'mine' } } });
    expect(ownerVisible('network', bridge, ME)).toEqual({ ...bridge, Containers: {} });
  });

  it.each([
    ['images', { message: 'page not found' }],
    ['system-df', []],
  ] as const)('passes an answer of another shape as it is (%s)', (view, answer) => {
    expect(ownerVisible(view, answer, ME)).toEqual(answer);
  });
});
