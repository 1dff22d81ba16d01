import { checkOwnedObject, OwnedKind, ownerStanding } from './owned-object';
import { OWNER_LABEL } from './owner-label';

const ME = 'CN=runner-1,DNS:runner-1.ci';
const mine = { [OWNER_LABEL]: ME };
const theirs = { [OWNER_LABEL]: 'CN=runner-2' };
const inspect = (kind: OwnedKind, labels: unknown, name = 'x') =>
  kind === 'image' ? { RepoTags: [name], Config: { Labels: labels } } : kind === 'container' ? { Name: name, Config: { Labels: labels } } : { Name: name, Labels: labels };
const object = (kind: OwnedKind, extra = {}) => ({ kind, ref: 'x', field: 'path.id', owner: ME, ifMissing: 'not-found' as const, ...extra });

describe('ownership of an inspected object', () => {
  it.each<[OwnedKind, unknown, string, 'mine' | 'shared' | 'unowned' | 'another']>([
    ['container', mine, 'web', 'mine'],
    ['container', theirs, 'web', 'another'],
    ['container', null, 'web', 'unowned'],
    ['container', {}, 'web', 'unowned'],
    ['volume', mine, 'data', 'mine'],
    ['volume', theirs, 'data', 'another'],
    ['volume', {}, 'data', 'unowned'],
    ['network', mine, 'app', 'mine'],
    ['network', theirs, 'app', 'another'],
    ['network', {}, 'app', 'unowned'],
    ['network', {}, 'bridge', 'shared'],
    ['network', null, 'host', 'shared'],
    ['network', {}, 'none', 'shared'],
    ['network', theirs, 'bridge', 'another'],
    ['image', mine, 'app:1', 'mine'],
    ['image', theirs, 'app:1', 'another'],
    ['image', null, 'busybox', 'shared'],
    ['image', {}, 'busybox', 'shared'],
  ])('a %s labelled %j named %s is %s', (kind, labels, name, standing) => {
    expect(ownerStanding(kind, labels, name, ME)).toBe(standing);
  });

  it.each<[string, unknown, 'shared' | 'unowned' | 'mine']>([
    ['a tag', { RepoTags: ['busybox:latest'], RepoDigests: [] }, 'shared'],
    ['a digest only', { RepoTags: [], RepoDigests: ['busybox@sha256:ab'] }, 'shared'],
    ['no name (a classic build\'s step or stage image)', { RepoTags: [], RepoDigests: [] }, 'unowned'],
    ['no name, as old API versions list it', { RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'] }, 'unowned'],
    ['no name lists at all', {}, 'unowned'],
  ])('an unlabelled image with %s is %s', (_name, names, standing) => {
    const answer = { ...(names as object), Config: { Labels: null } };
    const denial = checkOwnedObject(object('image'), answer);
    expect(denial === undefined ? 'shared' : 'unowned').toBe(standing);
    if (denial) expect(denial.reason).toMatch(/has no owner/);
  });

  it.each<[OwnedKind, unknown, string | undefined]>([
    ['container', mine, undefined],
    ['container', theirs, 'container "x" belongs to another client'],
    ['container', undefined, 'container "x" has no owner: only objects a client created through dind-service can be used'],
    ['volume', theirs, 'volume "x" belongs to another client'],
    ['network', undefined, 'network "x" has no owner: only objects a client created through dind-service can be used'],
    ['image', undefined, undefined],
    ['image', theirs, 'image "x" belongs to another client'],
  ])('checkOwnedObject: a %s labelled %j', (kind, labels, reason) => {
    const denial = checkOwnedObject(object(kind), inspect(kind, labels));
    if (reason === undefined) expect(denial).toBeUndefined();
    else expect(denial).toEqual({ status: 403, rule: 'ownership', reason, field: 'path.id', value: 'x' });
  });

  it('never names the other owner', () => {
    expect(JSON.stringify(checkOwnedObject(object('container'), inspect('container', theirs)))).not.toContain('runner-2');
  });

  it('a container label on the top level (where volumes carry it) is not read for a container', () => {
    expect(checkOwnedObject(object('container'), { Labels: mine, Config: { Labels: {} } })?.rule).toBe('ownership');
  });

  it.each([[undefined], [null], ['not json'], [[]]])('refuses an answer that is no inspect (%j)', (answer) => {
    expect(checkOwnedObject(object('image'), answer)?.reason).toMatch(/does not describe it/);
  });

  it('refuses a shared network where the request must own it (disconnect)', () => {
    expect(checkOwnedObject(object('network', { mustOwn: true }), inspect('network', {}, 'bridge'))?.reason).toMatch(/is shared/);
    expect(checkOwnedObject(object('network', { mustOwn: true }), inspect('network', mine, 'app'))).toBeUndefined();
  });

  it('says why a shared object is not enough when the route says (a tag\'s source image)', () => {
    const named = { RepoTags: ['busybox:latest'], Config: { Labels: null } };
    expect(checkOwnedObject(object('image', { mustOwn: true, sharedReason: 'pulls only' }), named)?.reason).toBe('image "x" is shared; pulls only');
  });
});
