import { OWNER_LABEL } from './owner-label';
import { ownerLabelledChanges } from './owner-changes';

describe('the owner LABEL an import is forwarded with', () => {
  it.each<[string, string]>([
    ['CN=dind-service client', 'CN=dind-service client'],
    ['127.0.0.1', '127.0.0.1'],
    ['CN=a"b', 'CN=a\\"b'],
    ['CN=$HOME', 'CN=\\$HOME'],
    ['CN=a\\u{2c}b', 'CN=a\\\\u{2c}b'],
    ['CN=`x`', 'CN=`x`'],
  ])('quotes %s so that the daemon reads it back', (owner, quoted) => {
    expect(ownerLabelledChanges(['CMD ["sh"]'], owner)).toEqual([`LABEL "${OWNER_LABEL}"="${quoted}"`, 'CMD ["sh"]']);
  });

  it('has no LABEL for an identity on two lines', () => {
    expect(ownerLabelledChanges(undefined, 'CN=a\nCMD x')).toBeUndefined();
  });
});
