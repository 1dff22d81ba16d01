import { forwardsInDryRun } from './dry-run';
import { deny } from './policy-denial';

describe('forwardsInDryRun: the one dry-run rule', () => {
  it.each([
    ['privileged', true],
    ['host-mount', true],
    ['remote-address', true],
    ['container-reference', true],
    ['request.path', false],
    ['route.denied', false],
    ['api-version.unaudited', false],
    ['query.unknown', false],
    ['body.framing', false],
    ['policy.missing', false],
    ['build.context', false],
    ['ownership', false],
  ])('in dry-run, a refusal by rule %s is forwarded: %s', (rule, forwarded) => {
    expect(forwardsInDryRun({ dryRun: true }, deny(rule, 'why'))).toBe(forwarded);
  });

  it('outside dry-run nothing is forwarded', () => {
    expect(forwardsInDryRun({ dryRun: false }, deny('privileged', 'why'))).toBe(false);
  });
});
