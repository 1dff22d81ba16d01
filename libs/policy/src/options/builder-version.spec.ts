import { advertisedBuilderVersion } from './builder-version';

describe('advertisedBuilderVersion', () => {
  it('leaves the daemon header alone while BuildKit is allowed', () => {
    expect(advertisedBuilderVersion({ buildkitSessions: true })).toBeUndefined();
  });

  it('says 1 (classic builder) when an operator turns BuildKit off, so Docker 23+ CLIs do not reach for buildx', () => {
    expect(advertisedBuilderVersion({ buildkitSessions: false })).toBe('1');
  });
});
