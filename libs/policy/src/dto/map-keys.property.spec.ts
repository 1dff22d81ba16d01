import fc from 'fast-check';
import { DockerPolicy } from '../docker-policy';
import { goFoldKey } from '../json/go-fold-key';
import { PolicyDecision } from '../policy-request';

const policy = new DockerPolicy({ daemonApiVersion: () => '1.41' });
const decide = (url: string, raw: string): PolicyDecision =>
  policy.decide({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: Buffer.from(raw) });

// Keys made of characters whose case variants Go folds together (ASCII, the
// long s, the Kelvin sign, Greek), so that many generated keys collide folded.
const keyChar = fc.constantFrom('a', 'A', 'b', 'B', 's', 'S', '\u017f', 'k', 'K', '\u212a', '.', '/', '\u03c3', '\u03a3', '\u03c2');
const key = fc.array(keyChar, { minLength: 1, maxLength: 4 }).map((chars) => chars.join('')).filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k));
const distinctKeys = fc.uniqueArray(key, { minLength: 1, maxLength: 8 });

// Where a free map of strings sits in a body the policy accepts, and how to reach it.
const MAP_SITES: ReadonlyArray<{ readonly url: string; readonly wrap: (map: string) => string; readonly path: ReadonlyArray<string | number> }> = [
  { url: '/v1.41/containers/create', wrap: (m) => `{"Image":"b","Labels":${m}}`, path: ['Labels'] },
  { url: '/containers/create', wrap: (m) => `{"Image":"b","Labels":${m}}`, path: ['Labels'] },
  { url: '/v1.24/containers/create', wrap: (m) => `{"Image":"b","Labels":${m}}`, path: ['Labels'] },
  {
    url: '/v1.41/containers/create',
    wrap: (m) => `{"Image":"b","HostConfig":{"Mounts":[{"Type":"volume","Source":"vv","Target":"/v","VolumeOptions":{"Labels":${m}}}]}}`,
    path: ['HostConfig', 'Mounts', 0, 'VolumeOptions', 'Labels'],
  },
  { url: '/v1.41/volumes/create', wrap: (m) => `{"Name":"vv","Labels":${m}}`, path: ['Labels'] },
  { url: '/v1.41/networks/create', wrap: (m) => `{"Name":"nn","Labels":${m}}`, path: ['Labels'] },
  { url: '/v1.41/commit?container=c', wrap: (m) => `{"Labels":${m}}`, path: ['Labels'] },
];

const mapOf = (entries: ReadonlyArray<readonly [string, string]>) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
const at = (value: any, path: ReadonlyArray<string | number>) => path.reduce((current, segment) => current?.[segment], value);

describe('map keys are data (property)', () => {
  it('forwards every distinct key of a map exactly, however many of them fold alike', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MAP_SITES), distinctKeys, ({ url, wrap, path }, keys) => {
        const entries = keys.map((k, i) => [k, `v${i}`] as const);
        const decision = decide(url, wrap(mapOf(entries)));
        expect(decision.allowed).toBe(true);
        const sent = at(JSON.parse((decision as { body: Buffer }).body.toString()), path);
        expect(sent).toEqual(Object.fromEntries(entries));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a map in which one key appears twice exactly', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MAP_SITES), distinctKeys, fc.nat(), fc.nat(), ({ url, wrap }, keys, pick, position) => {
        const entries: Array<readonly [string, string]> = keys.map((k, i) => [k, `v${i}`] as const);
        entries.splice(position % (entries.length + 1), 0, [keys[pick % keys.length], 'again']);
        const decision = decide(url, wrap(mapOf(entries)));
        expect(decision.allowed ? 'allowed' : decision.denial.rule).toBe('body.json');
        expect(decision.allowed ? '' : decision.denial.reason).toMatch(/^duplicate key "/);
      }),
      { numRuns: 300 },
    );
  });
});

// Struct objects at every depth of a create body, each with one field to repeat.
const STRUCT_SITES: ReadonlyArray<{ readonly field: string; readonly wrap: (members: string) => string }> = [
  { field: 'Image', wrap: (m) => `{"Image":"b"${m}}` },
  { field: 'Privileged', wrap: (m) => `{"Image":"b","HostConfig":{"Privileged":false${m}}}` },
  { field: 'Type', wrap: (m) => `{"Image":"b","HostConfig":{"LogConfig":{"Type":"json-file"${m}}}}` },
  { field: 'Target', wrap: (m) => `{"Image":"b","HostConfig":{"Mounts":[{"Type":"volume","Target":"/v"${m}}]}}` },
  { field: 'NoCopy', wrap: (m) => `{"Image":"b","HostConfig":{"Mounts":[{"Type":"volume","Target":"/v","VolumeOptions":{"NoCopy":true${m}}}]}}` },
  { field: 'Name', wrap: (m) => `{"Image":"b","HostConfig":{"Mounts":[{"Type":"volume","Target":"/v","VolumeOptions":{"DriverConfig":{"Name":"local"${m}}}}]}}` },
  { field: 'NetworkID', wrap: (m) => `{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"n":{"NetworkID":"x"${m}}}}}` },
  { field: 'IPv4Address', wrap: (m) => `{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"n":{"IPAMConfig":{"IPv4Address":""${m}}}}}}` },
  { field: 'HostIp', wrap: (m) => `{"Image":"b","HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":""${m}}]}}}` },
  { field: 'Test', wrap: (m) => `{"Image":"b","Healthcheck":{"Test":["NONE"]${m}}}` },
];

// Spell a key differently but so that Go folds it onto the same field.
const FOLDS: Readonly<Record<string, readonly string[]>> = { k: ['k', 'K', '\u212a'], s: ['s', 'S', '\u017f'] };
const respelling = (field: string) =>
  fc.array(fc.nat(), { minLength: field.length, maxLength: field.length }).map((choices) =>
    [...field].map((c, i) => {
      const orbit = FOLDS[c.toLowerCase()] ?? [c.toLowerCase(), c.toUpperCase()];
      return orbit[choices[i] % orbit.length];
    }).join(''),
  );

describe('struct fields still fold (property)', () => {
  it('refuses a struct field repeated in any spelling Go folds onto it, at every depth', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STRUCT_SITES).chain((site) => fc.tuple(fc.constant(site), respelling(site.field))), ([site, spelling]) => {
        expect(goFoldKey(spelling)).toBe(goFoldKey(site.field));
        const decision = decide('/v1.41/containers/create', site.wrap(`,${JSON.stringify(spelling)}:null`));
        expect(decision.allowed ? 'allowed' : decision.denial.rule).toBe('body.json');
        expect(decision.allowed ? '' : decision.denial.reason).toMatch(/^duplicate key/);
      }),
      { numRuns: 300 },
    );
  });
});
