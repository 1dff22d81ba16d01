import { readDockerfile } from '../build/dockerfile-reader';
import { buildImageObjects, cacheFromObjects, isImageIdPrefix } from './build-images';

const ME = 'CN=runner-1';
const FULL = 'a'.repeat(64);

describe('the images a classic build reads (ownership mode)', () => {
  it.each<[string, boolean]>([
    ['abc123', true],
    ['sha256:abc123', true],
    ['0', true],
    [FULL.slice(1), true],
    [FULL, false],
    [`sha256:${FULL}`, false],
    ['abc123:1', false],
    ['ABC123', false],
    ['busybox', false],
    ['dind-test/app:1', false],
    ['abcdefg', false],
  ])('%s is read as an ID prefix: %s', (reference, prefix) => {
    expect(isImageIdPrefix(reference)).toBe(prefix);
  });

  it('names every base and COPY --from image, after build arguments, but not stages or scratch', () => {
    const { images } = readDockerfile('ARG BASE=team/base:1\nFROM ${BASE} AS build\nFROM scratch\nCOPY --from=build /a /a\nCOPY --from=team/tools:2 /t /t\nONBUILD COPY --from=team/later /l /l\n', {});
    expect(images.map(({ field, value, reference, base }) => [field, value, reference, base])).toEqual([
      ['Dockerfile:2 FROM', '${BASE} (team/base:1)', 'team/base:1', true],
      ['Dockerfile:5 COPY --from', 'team/tools:2', 'team/tools:2', false],
      ['Dockerfile:6 ONBUILD COPY --from', 'team/later', 'team/later', false],
    ]);
  });

  it('checks each as an image the requester uses: its own or shared; a missing one is pulled', () => {
    const { images } = readDockerfile('FROM team/base:1\nCOPY --from=team/tools:2 /t /t\n', {});
    expect(buildImageObjects(images, ME)).toEqual([
      { kind: 'image', ref: 'team/base:1', field: 'Dockerfile:1 FROM', owner: ME, ifMissing: 'go-on' },
      { kind: 'image', ref: 'team/tools:2', field: 'Dockerfile:2 COPY --from', owner: ME, ifMissing: 'go-on' },
    ]);
  });

  it.each([
    ['FROM abc123\n', 'Dockerfile:1 FROM', 'abc123'],
    ['FROM busybox\nCOPY --from=sha256:0123 /a /a\n', 'Dockerfile:2 COPY --from', 'sha256:0123'],
  ])('refuses an ID prefix, which it could not pin: %j', (text, field, value) => {
    expect(buildImageObjects(readDockerfile(text, {}).images, ME)).toMatchObject({ rule: 'ownership', field, value });
  });

  it.each([
    ['its own stage (the daemon knows a stage by name only once it is built)', 'FROM busybox AS app\nCOPY --from=app /a /a\n', 'app'],
    ['its own stage, in another case', 'FROM busybox AS app\nCOPY --from=APP /a /a\n', 'APP'],
    ['a number ParseInt cannot hold (an image ID prefix to the daemon)', 'FROM busybox AS one\nFROM busybox\nCOPY --from=99999999999999999999 /a /a\n', '99999999999999999999'],
  ])('names as an image what a COPY --from in the stage of that name reads: %s', (_name, text, value) => {
    expect(readDockerfile(text, {}).images.filter((image) => !image.base).map((image) => image.value)).toEqual([value]);
  });

  it('still takes an earlier stage by name or index', () => {
    expect(readDockerfile('FROM busybox AS app\nFROM busybox\nCOPY --from=app /a /a\nCOPY --from=0 /a /a\nCOPY --from=9223372036854775807 /a /a\n', {}).images.filter((image) => !image.base)).toEqual([]);
  });

  it('takes a full ID', () => {
    expect(buildImageObjects(readDockerfile(`FROM sha256:${FULL}\n`, {}).images, ME)).toEqual([expect.objectContaining({ ref: `sha256:${FULL}` })]);
  });

  describe('cachefrom', () => {
    it('checks each listed image, skipping empty names', () => {
      expect(cacheFromObjects('["team/app:1", "", "busybox"]', ME)).toEqual([
        { kind: 'image', ref: 'team/app:1', field: 'query.cachefrom', owner: ME, ifMissing: 'go-on' },
        { kind: 'image', ref: 'busybox', field: 'query.cachefrom', owner: ME, ifMissing: 'go-on' },
      ]);
    });

    it.each([undefined, '', 'null', '[]'])('has nothing to check in %j', (raw) => {
      expect(cacheFromObjects(raw, ME)).toEqual([]);
    });

    it.each<[string, string]>([
      ['["abc"]', 'ownership'],
      ['{"a":"b"}', 'query.cachefrom'],
      ['[1]', 'query.cachefrom'],
      ['["a"', 'query.cachefrom'],
    ])('refuses %s (rule %s)', (raw, rule) => {
      expect(cacheFromObjects(raw, ME)).toMatchObject({ rule });
    });
  });
});
