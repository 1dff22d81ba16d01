import fc from 'fast-check';
import { DockerPolicy } from '../docker-policy';
import { PolicyDecision } from '../policy-request';
import { checkImageChanges } from './image-changes';

const policy = new DockerPolicy({ daemonApiVersion: () => '1.41' });
const json = { 'content-type': 'application/json' };
const changes = (list: string[]) => list.map((change) => `changes=${encodeURIComponent(change)}`).join('&');
const commit = (query: string, body?: unknown, version = '/v1.41'): PolicyDecision =>
  policy.decide({ method: 'POST', url: `${version}/commit?container=c&repo=r&${query}`, headers: body === undefined ? {} : json, body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)) });
const importImage = (query: string, version = '/v1.41'): PolicyDecision =>
  policy.decide({ method: 'POST', url: `${version}/images/create?fromSrc=-&repo=r&${query}`, headers: {} });
const create = (body: unknown): PolicyDecision =>
  policy.decide({ method: 'POST', url: '/v1.41/containers/create', headers: json, body: Buffer.from(JSON.stringify(body)) });
const rule = (decision: PolicyDecision) => (decision.allowed ? 'allowed' : decision.denial.rule);

describe('ONBUILD triggers are not planted outside a Dockerfile', () => {
  // The daemon joins `changes` with "\n" and parses them as one Dockerfile.
  it.each([
    ['ONBUILD ADD with a loopback URL', ['ONBUILD ADD http://127.0.0.1:8080/x /x']],
    ['lower-case onbuild', ['onbuild run id']],
    ['ONBUILD after a tab', ['OnBuild\tRUN id']],
    ['ONBUILD as a second line of one value', ['ENV A=b\nONBUILD RUN id']],
    ['ONBUILD after CRLF', ['ENV A=b\r\nONBUILD RUN id']],
    ['ONBUILD split by a continuation into the next value', ['ONBUILD \\', 'RUN id']],
    ['ONBUILD after an escape directive that makes ` the escape character', ['# escape=`', 'LABEL a=b \\', 'ONBUILD RUN id']],
    ['ONBUILD after leading blanks and comments', ['', '# note', '   ONBUILD RUN id']],
    ['ONBUİLD, which Go\'s strings.ToLower makes onbuild', ['ONBU\u0130LD RUN id']],
    ['ONBUILD after U+0085 (Go\'s strings.TrimSpace)', ['\u0085ONBUILD RUN id']],
  ])('%s is refused (rule onbuild)', (_name, list) => {
    expect(checkImageChanges(list)).toMatchObject({ rule: 'onbuild', field: 'query.changes' });
  });

  it.each([
    ['RUN', ['RUN id']],
    ['ADD', ['ADD http://example.com/x /x']],
    ['FROM', ['FROM busybox']],
  ])('%s, which the daemon does not apply as a change, is refused too (rule changes)', (_name, list) => {
    expect(checkImageChanges(list)).toMatchObject({ rule: 'changes' });
  });

  it.each([
    ['ENV', ['ENV A=b']],
    ['CMD in JSON form', ['CMD ["sh"]']],
    ['several', ['ENV A=b', 'LABEL onbuild=documented', 'EXPOSE 80', 'WORKDIR /app', 'USER 1000', 'ENTRYPOINT ["sh","-c"]', 'VOLUME /data', 'HEALTHCHECK NONE']],
    ['a continued ENV', ['ENV A=b \\', '  C=d']],
    ['none', []],
  ])('%s is allowed', (_name, list) => {
    expect(checkImageChanges(list)).toBeUndefined();
  });

  it.each(['/v1.24', '/v1.41', ''])('commit and import refuse ONBUILD changes at API %s', (version) => {
    const planted = changes(['ONBUILD ADD http://127.0.0.1:8080/x /x']);
    expect(rule(commit(planted, undefined, version))).toBe('onbuild');
    expect(rule(importImage(planted, version))).toBe('onbuild');
  });

  it('commit with ENV and CMD changes is forwarded with them', () => {
    const decision = commit(changes(['ENV A=b', 'CMD ["sh"]']));
    expect(decision).toMatchObject({ allowed: true });
    expect(decision.allowed && decision.upstreamUrl).toContain(`changes=${encodeURIComponent('CMD ["sh"]')}`);
  });

  it.each([
    ['a create body', () => create({ Image: 'x', OnBuild: ['ADD http://127.0.0.1:8080/x /x'] })],
    ['a commit body', () => commit('', { OnBuild: ['RUN id'] })],
  ])('Config.OnBuild in %s is refused (rule onbuild)', (_name, decide) => {
    expect(decide()).toMatchObject({ allowed: false, denial: { rule: 'onbuild', field: 'OnBuild' } });
  });

  it.each([
    ['a create body with OnBuild null', () => create({ Image: 'x', OnBuild: null })],
    ['a create body with OnBuild []', () => create({ Image: 'x', OnBuild: [] })],
    ['a commit body with Env', () => commit('', { Env: ['A=b'], OnBuild: null })],
  ])('%s is allowed', (_name, decide) => {
    expect(decide()).toMatchObject({ allowed: true });
  });
});

describe('ONBUILD is found however the changes are laid out (property)', () => {
  const harmless = fc.constantFrom('ENV A=b', 'CMD ["sh"]', 'LABEL x=y', 'EXPOSE 80', 'WORKDIR /w', '# a comment', '');
  const spelling = fc.constantFrom('ONBUILD', 'onbuild', 'OnBuild', 'oNbUiLd');
  const gap = fc.constantFrom(' ', '\t', '  ', ' \t');
  const lead = fc.constantFrom('', ' ', '\t', '  ');
  it('any list with an ONBUILD instruction, in any value, spelling or position, is refused', () => {
    fc.assert(
      fc.property(fc.array(harmless, { maxLength: 4 }), fc.array(harmless, { maxLength: 4 }), spelling, gap, lead, fc.boolean(), (before, after, word, space, indent, sameValue) => {
        const trigger = `${indent}${word}${space}RUN id`;
        const list = sameValue && before.length > 0 ? [...before.slice(0, -1), `${before[before.length - 1]}\n${trigger}`, ...after] : [...before, trigger, ...after];
        expect(checkImageChanges(list)).toMatchObject({ rule: 'onbuild' });
      }),
    );
  });
});
