import fc from 'fast-check';
import { DockerPolicy } from './docker-policy';
import { goFoldKey } from './json/strict-json.parser';

/**
 * A model of how dockerd's Go decoder reads a document into its structs: keys
 * match fields by exact name, else by Go's case folding; the last match wins.
 */
function goRead(value: unknown, field: string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  let result: unknown;
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    if (key === field || goFoldKey(key) === goFoldKey(field)) result = member;
  }
  return result;
}

const DANGEROUS: ReadonlyArray<readonly [string, unknown]> = [
  ['Privileged', true],
  ['CapAdd', ['ALL']],
  ['Binds', ['/:/host']],
  ['NetworkMode', 'host'],
  ['PidMode', 'host'],
  ['UsernsMode', 'host'],
  ['SecurityOpt', ['seccomp=unconfined']],
  ['Devices', [{ PathOnHost: '/dev/mem', PathInContainer: '/dev/mem', CgroupPermissions: 'rwm' }]],
  ['Sysctls', { 'kernel.core_pattern': '|/tmp/x' }],
  ['MaskedPaths', []],
];

// Spellings the Go decoder reads as the same key.
const spelling = (key: string) =>
  fc.array(fc.constantFrom('keep', 'flip', 'fold'), { minLength: key.length, maxLength: key.length }).map((choices) =>
    [...key]
      .map((char, i) => {
        if (choices[i] === 'keep') return char;
        if (choices[i] === 'fold' && /[sS]/.test(char)) return '\u017f';
        if (choices[i] === 'fold' && /[kK]/.test(char)) return '\u212a';
        return char === char.toLowerCase() ? char.toUpperCase() : char.toLowerCase();
      })
      .join(''),
  );

const policy = new DockerPolicy({ daemonApiVersion: () => '1.41' });

describe('no document the daemon would read as privileged is allowed', () => {
  it('whatever the key spellings, duplicates, order and API version', () => {
    const cases = fc
      .tuple(
        fc.constantFrom(...DANGEROUS),
        fc.constantFrom('HostConfig', 'hostConfig', 'HOSTCONFIG', 'Ho\u017ftConfig'),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('1.24', '1.40', '1.41', '1.52'),
      )
      .chain(([[field, danger], hostConfigKey, benignFirst, dangerLast, version]) =>
        spelling(field).map((fieldKey) => ({ field, danger, fieldKey, hostConfigKey, benignFirst, dangerLast, version })),
      );
    fc.assert(
      fc.property(
        cases,
      ({ field, danger, fieldKey, hostConfigKey, benignFirst, dangerLast, version }) => {
        const members: string[] = [];
        if (benignFirst) members.push(`${JSON.stringify(field)}:null`);
        members.push(`${JSON.stringify(fieldKey)}:${JSON.stringify(danger)}`);
        if (!dangerLast) members.push(`"Memory":0`);
        const text = `{"Image":"b",${JSON.stringify(hostConfigKey)}:{${members.join(',')}}}`;
        const parsed = JSON.parse(text);
        const daemonSees = goRead(goRead(parsed, 'HostConfig'), field);
        const decision = policy.decide({ method: 'POST', url: `/v${version}/containers/create`, headers: { 'content-type': 'application/json' }, body: Buffer.from(text) });
        expect(JSON.stringify(daemonSees)).toBe(JSON.stringify(danger));
        expect(decision.allowed).toBe(false);
      }),
    );
  });

  it('an allowed body is forwarded as exactly what was checked, plus the safe defaults', () => {
    fc.assert(
      fc.property(
        fc.record({
          Memory: fc.nat(1 << 30),
          ReadonlyRootfs: fc.boolean(),
          CapDrop: fc.subarray(['ALL', 'NET_RAW', 'CHOWN']),
          Binds: fc.array(fc.stringMatching(/^[a-z][a-z0-9]{1,8}$/).map((v) => `${v}:/data/${v}`), { maxLength: 3 }),
        }),
        (hostConfig) => {
          const decision = policy.decide({ method: 'POST', url: '/containers/create', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ Image: 'b', HostConfig: hostConfig })) });
          expect(decision.allowed).toBe(true);
          const forwarded = JSON.parse(decision.allowed ? decision.body!.toString() : '{}');
          expect(forwarded).toEqual({
            Image: 'b',
            HostConfig: { ...hostConfig, CgroupnsMode: 'private', PidsLimit: 1024, LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } } },
          });
        },
      ),
    );
  });
});
