import { AllowedRequest, deny, ImageArchive, OWNER_LABEL } from '@dind/policy';
import { DaemonSideChecks } from '../daemon-side.checks';
import { ImageLoadChecker } from './image-load.checker';

const ME = 'CN=tenant-b';
const decision = { allowed: true, imageLoad: { owner: ME } } as unknown as AllowedRequest;
const archive = (files: Record<string, string>): ImageArchive => ({
  file: (path) => (files[path] === undefined ? undefined : { kind: 'file', content: Buffer.from(files[path]) }),
  topLevelDirectories: () => [],
});
const loaded = (tags: string[], labels: Record<string, string> = { [OWNER_LABEL]: ME }) =>
  archive({ 'manifest.json': JSON.stringify([{ Config: 'c.json', RepoTags: tags, Layers: [] }]), 'c.json': JSON.stringify({ config: { Labels: labels } }) });

describe('ImageLoadChecker', () => {
  it('asks the daemon-side checks about every name the load sets, as images the requester must own', async () => {
    const settle = jest.fn(async (request: AllowedRequest) => request);
    const checker = new ImageLoadChecker({ settle } as unknown as DaemonSideChecks);
    expect(await checker.check(loaded(['a:1', 'b/c:2']), decision, 'r1', () => undefined)).toBeUndefined();
    expect(settle.mock.calls[0][0].ownedObjects).toEqual([
      { kind: 'image', ref: 'docker.io/library/a:1', field: 'manifest.json[0].RepoTags[0]', owner: ME, ifMissing: 'go-on', mustOwn: true },
      { kind: 'image', ref: 'docker.io/b/c:2', field: 'manifest.json[0].RepoTags[1]', owner: ME, ifMissing: 'go-on', mustOwn: true },
    ]);
  });

  it('returns what the daemon-side checks refuse', async () => {
    const refusal = deny('ownership', 'image "docker.io/library/a:1" belongs to another client', 'manifest.json[0].RepoTags[0]', 'docker.io/library/a:1');
    const checker = new ImageLoadChecker({ settle: async () => refusal } as unknown as DaemonSideChecks);
    expect(await checker.check(loaded(['a:1']), decision, 'r1', () => undefined)).toBe(refusal);
  });

  it('refuses another owner\'s label without asking the daemon, and asks nothing for a load without names', async () => {
    const settle = jest.fn();
    const checker = new ImageLoadChecker({ settle } as unknown as DaemonSideChecks);
    expect((await checker.check(loaded(['a:1'], { [OWNER_LABEL]: 'CN=other' }), decision, 'r1', () => undefined))?.field).toBe(`c.json.config.Labels.${OWNER_LABEL}`);
    expect(await checker.check(loaded([]), decision, 'r1', () => undefined)).toBeUndefined();
    expect(settle).not.toHaveBeenCalled();
  });

  it('refuses when the check fails (fail closed)', async () => {
    const checker = new ImageLoadChecker({ settle: async () => Promise.reject(new Error('daemon gone')) } as unknown as DaemonSideChecks);
    expect((await checker.check(loaded(['a:1']), decision, 'r1', () => undefined))?.reason).toBe('the image archive could not be inspected');
  });
});
