import { posix } from 'node:path';
import { ArchiveFile, ImageArchive, imageLoadRequest, taggedName } from './image-load';
import { OWNER_LABEL } from './owner-label';

const ME = 'CN=tenant-b';
const THEM = 'CN=tenant-a';

type Files = Record<string, string | Exclude<ArchiveFile, { kind: 'file' }>>;

function archive(files: Files, dirs: string[] = []): ImageArchive {
  return {
    // As the reader answers: the path the daemon joins to its directory, cleaned.
    file: (path) => {
      const entry = files[posix.normalize(`/${path}`).slice(1)];
      if (entry === undefined) return undefined;
      return typeof entry === 'string' ? { kind: 'file', content: Buffer.from(entry) } : entry;
    },
    topLevelDirectories: () => dirs,
  };
}

// By default an image the requester saved from this service: it carries the requester's owner label.
const config = (labels: Record<string, string> | null | undefined = { [OWNER_LABEL]: ME }, key = 'config') => JSON.stringify({ architecture: 'amd64', [key]: labels === undefined ? {} : { Labels: labels } });
const manifest = (...items: Array<{ Config: string; RepoTags?: unknown }>) => JSON.stringify(items.map((item) => ({ Layers: [], ...item })));

describe('what a load sets (ownership mode)', () => {
  it.each<[string, Files, string[]]>([
    ['a tag, normalised as the daemon sets it', { 'manifest.json': manifest({ Config: 'c.json', RepoTags: ['team/app:1'] }), 'c.json': config() }, ['docker.io/team/app:1']],
    ['an official image name', { 'manifest.json': manifest({ Config: 'c.json', RepoTags: ['busybox:latest'] }), 'c.json': config() }, ['docker.io/library/busybox:latest']],
    ['a registry name', { 'manifest.json': manifest({ Config: 'c.json', RepoTags: ['localhost:5000/app:2'] }), 'c.json': config() }, ['localhost:5000/app:2']],
    ['every item\'s tags', { 'manifest.json': manifest({ Config: 'a.json', RepoTags: ['a:1', 'a:2'] }, { Config: 'b.json', RepoTags: null }), 'a.json': config(), 'b.json': config() }, ['docker.io/library/a:1', 'docker.io/library/a:2']],
    ['RepoTags spelled in another case (Go matches fields case-insensitively)', { 'manifest.json': JSON.stringify([{ config: 'c.json', repotags: ['x:1'] }]), 'c.json': config() }, ['docker.io/library/x:1']],
    ['a config path the daemon cleans', { 'manifest.json': manifest({ Config: './blobs/../c.json', RepoTags: ['x:1'] }), 'c.json': config() }, ['docker.io/library/x:1']],
    ['the requester\'s own owner label', { 'manifest.json': manifest({ Config: 'c.json', RepoTags: ['x:1'] }), 'c.json': config({ [OWNER_LABEL]: ME }) }, ['docker.io/library/x:1']],
    ['a legacy archive: repositories, when there is no manifest.json', { repositories: JSON.stringify({ 'team/app': { '1': 'abc' } }), 'abc/json': JSON.stringify({ id: 'abc', config: { Labels: { [OWNER_LABEL]: ME } } }) }, ['docker.io/team/app:1']],
    ['a legacy repository name whose tag the tag key replaces', { repositories: JSON.stringify({ 'app:9': { '1': 'abc' } }), 'abc/json': JSON.stringify({ config: { Labels: { [OWNER_LABEL]: ME } } }) }, ['docker.io/library/app:1']],
    ['manifest.json, not repositories, when there are both (as moby)', { 'manifest.json': manifest({ Config: 'c.json', RepoTags: ['m:1'] }), 'c.json': config(), repositories: JSON.stringify({ r: { '1': 'x' } }) }, ['docker.io/library/m:1']],
  ])('%s', (_name, files, names) => {
    const legacy = files['manifest.json'] === undefined ? ['abc'] : [];
    const result = imageLoadRequest(archive(files, legacy), ME);
    expect('rule' in result).toBe(false);
    if ('rule' in result) return;
    expect(result.names.map((object) => object.ref)).toEqual(names);
    // Checked like a tag's target: new, or the requester's own.
    expect(result.names.every((object) => object.mustOwn && object.ifMissing === 'go-on' && object.kind === 'image' && object.owner === ME)).toBe(true);
  });

  it.each<[string, Files, string[], string, string?]>([
    ['another owner\'s label', { 'manifest.json': manifest({ Config: 'c.json', RepoTags: ['x:1'] }), 'c.json': config({ [OWNER_LABEL]: THEM }) }, [], 'only with the loading client\'s own identity', `c.json.config.Labels.${OWNER_LABEL}`],
    ['another owner\'s label on an image without a name', { 'manifest.json': manifest({ Config: 'c.json' }), 'c.json': config({ [OWNER_LABEL]: THEM }) }, [], 'own identity'],
    ['another owner\'s label under Config spelled otherwise', { 'manifest.json': manifest({ Config: 'c.json' }), 'c.json': JSON.stringify({ CONFIG: { labels: { [OWNER_LABEL]: THEM } } }) }, [], 'own identity'],
    ['an empty owner label', { 'manifest.json': manifest({ Config: 'c.json' }), 'c.json': config({ [OWNER_LABEL]: '' }) }, [], 'own identity'],
    ['config keys that fold alike (two readings)', { 'manifest.json': manifest({ Config: 'c.json' }), 'c.json': '{"config":{},"Config":{"Labels":{}}}' }, [], 'cannot be read unambiguously'],
    ['a repeated label key', { 'manifest.json': manifest({ Config: 'c.json' }), 'c.json': `{"config":{"Labels":{"${OWNER_LABEL}":"${ME}","${OWNER_LABEL}":"${THEM}"}}}` }, [], 'cannot be read unambiguously'],
    ['a config the archive does not hold', { 'manifest.json': manifest({ Config: 'missing.json', RepoTags: ['x:1'] }) }, [], 'has no missing.json'],
    ['a config too large to keep', { 'manifest.json': manifest({ Config: 'c.json' }), 'c.json': { kind: 'uninspected', reason: 'larger than 1048576 bytes' } }, [], 'cannot be inspected (larger than'],
    ['a config that is a link', { 'manifest.json': manifest({ Config: 'c.json' }), 'c.json': { kind: 'link' } }, [], 'is a link'],
    ['a manifest.json that is a link', { 'manifest.json': { kind: 'link' } }, [], 'is a link'],
    ['a manifest.json that is a directory', { 'manifest.json': { kind: 'dir' } }, [], 'not a regular file'],
    ['a manifest.json that is not a list', { 'manifest.json': '{}' }, [], 'not a list'],
    ['a null manifest.json', { 'manifest.json': 'null' }, [], 'not a list'],
    ['trailing data after manifest.json (the daemon reads only the first value)', { 'manifest.json': `${manifest()} []` }, [], 'cannot be read unambiguously'],
    ['a name without a tag', { 'manifest.json': manifest({ Config: 'c.json', RepoTags: ['team/app'] }), 'c.json': config() }, [], 'not a name with a tag', 'manifest.json[0].RepoTags[0]'],
    ['a name with a digest', { 'manifest.json': manifest({ Config: 'c.json', RepoTags: [`app:1@sha256:${'a'.repeat(64)}`] }), 'c.json': config() }, [], 'not a name with a tag'],
    ['an upper-case name (a domain to 26.1, an error to 20.10)', { 'manifest.json': manifest({ Config: 'c.json', RepoTags: ['Team/app:1'] }), 'c.json': config() }, [], 'not a name with a tag'],
    ['an IPv6 registry (only the current grammar reads it)', { 'manifest.json': manifest({ Config: 'c.json', RepoTags: ['[::1]:5000/app:1'] }), 'c.json': config() }, [], 'not a name with a tag'],
    ['RepoTags that is not a list', { 'manifest.json': manifest({ Config: 'c.json', RepoTags: 'x:1' }), 'c.json': config() }, [], 'not a list'],
    ['a legacy image labelled for another', { repositories: JSON.stringify({ app: { '1': 'abc' } }), 'abc/json': JSON.stringify({ config: { Labels: { [OWNER_LABEL]: THEM } } }) }, ['abc'], 'own identity', `abc/json.config.Labels.${OWNER_LABEL}`],
    ['a legacy parent labelled for another', { 'abc/json': JSON.stringify({ parent: 'p' }), 'p/json': JSON.stringify({ config: { Labels: { [OWNER_LABEL]: THEM } } }) }, ['abc'], 'own identity', `p/json.config.Labels.${OWNER_LABEL}`],
    ['a legacy directory without json', { repositories: '{}' }, ['abc'], 'has no abc/json'],
    ['an unlabelled image it names (it would be shared: planted under a name others run)', { 'manifest.json': manifest({ Config: 'c.json', RepoTags: ['python:3.12'] }), 'c.json': config(null) }, [], 'must carry the label', `c.json.config.Labels.${OWNER_LABEL}`],
    ['an image without a config section it names', { 'manifest.json': manifest({ Config: 'c.json', RepoTags: ['x:1'] }), 'c.json': JSON.stringify({ architecture: 'amd64' }) }, [], 'must carry the label', `c.json.config.Labels.${OWNER_LABEL}`],
    ['an unlabelled legacy image it names', { repositories: JSON.stringify({ app: { '1': 'abc' } }), 'abc/json': '{}' }, ['abc'], 'must carry the label', `abc/json.config.Labels.${OWNER_LABEL}`],
    ['a legacy tag the daemon refuses', { repositories: JSON.stringify({ app: { 'bad tag': 'abc' } }), 'abc/json': JSON.stringify({ config: { Labels: { [OWNER_LABEL]: ME } } }) }, ['abc'], 'not a name and tag'],
  ])('refuses %s', (_name, files, dirs, reason, ...field) => {
    const result = imageLoadRequest(archive(files, dirs), ME);
    expect('rule' in result).toBe(true);
    if (!('rule' in result)) return;
    expect(result.rule).toBe('ownership');
    expect(result.reason).toContain(reason);
    if (field[0]) expect(result.field).toBe(field[0]);
  });

  it('names nothing for a legacy archive without repositories (its images stay nameless)', () => {
    expect(imageLoadRequest(archive({ 'abc/json': '{}' }, ['abc']), ME)).toEqual({ names: [] });
  });

  it.each<[string, string | undefined, string | undefined]>([
    ['app:1', undefined, 'docker.io/library/app:1'],
    ['docker.io/library/app:1', undefined, 'docker.io/library/app:1'],
    ['index.docker.io/app:1', undefined, 'docker.io/library/app:1'],
    ['app', '2', 'docker.io/library/app:2'],
    ['app:1', '2', 'docker.io/library/app:2'],
    ['app', undefined, undefined],
    ['app', '-bad', undefined],
    ['a'.repeat(64), 'x', undefined],
  ])('taggedName(%s, %s) is %s', (reference, tag, expected) => {
    expect(taggedName(reference, tag)).toBe(expected);
  });
});
