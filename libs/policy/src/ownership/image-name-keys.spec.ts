import { OwnedObject } from './owned-object';
import { EVERY_IMAGE_NAME, imageNameKeys, imageNamesMovedBy } from './image-name-keys';

const image = (ref: string, field: string): OwnedObject => ({ kind: 'image', ref, field, owner: 'CN=a', ifMissing: 'go-on' });

describe('the image names a request reads or moves (ownership mode)', () => {
  it.each<[string, string[]]>([
    ['busybox', ['docker.io/library/busybox:latest']],
    ['team/app:1', ['docker.io/team/app:1']],
    ['localhost:5000/app:2', ['localhost:5000/app:2']],
    ['docker.io/library/busybox:latest', ['docker.io/library/busybox:latest']],
    [`busybox@sha256:${'a'.repeat(64)}`, []],
    ['a'.repeat(64), []],
    [`sha256:${'b'.repeat(64)}`, []],
    ['Not A Name', ['Not A Name']],
  ])('%s is looked up as %j', (reference, keys) => {
    expect(imageNameKeys(reference)).toEqual(keys);
  });

  it('moves the names a tag, pull, import, commit or build gives, and an image delete\'s path', () => {
    expect(imageNamesMovedBy('/images/{name}/tag', 'POST', [image('src:1', 'path.name'), image('team/app:2', 'query.repo')])).toEqual(['docker.io/team/app:2']);
    expect(imageNamesMovedBy('/images/create', 'POST', [image('busybox:1', 'query.fromImage')])).toEqual(['docker.io/library/busybox:1']);
    expect(imageNamesMovedBy('/build', 'POST', [image('a:1', 'query.t'), image('a:1', 'query.t'), image('base', 'query.cachefrom')])).toEqual(['docker.io/library/a:1']);
    expect(imageNamesMovedBy('/images/{name}', 'DELETE', [image('app:1', 'path.name')])).toEqual(['docker.io/library/app:1']);
    expect(imageNamesMovedBy('/images/{name}/json', 'GET', [image('app:1', 'path.name')])).toEqual([]);
  });

  it('moves every name in a prune', () => {
    expect(imageNamesMovedBy('/images/prune', 'POST', [])).toEqual([EVERY_IMAGE_NAME]);
  });
});
