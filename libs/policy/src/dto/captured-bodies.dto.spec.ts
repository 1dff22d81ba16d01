import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { DtoClass } from './docker-validation.decorators';
import { dropUnmappedKeys } from './unmapped-keys';
import { BODY_DTOS, toCanonicalPlain, validateDto } from './validate-dto';

// Real bodies that docker CLIs, docker-compose and dockerode sent (test/fixtures):
// whatever the policy later decides, their shape must be readable.
const FIXTURES = join(__dirname, '../../../../test/fixtures');

const KIND_OF: ReadonlyArray<[RegExp, keyof typeof BODY_DTOS]> = [
  [/\/containers\/create$/, 'containerCreate'],
  [/\/containers\/[^/]+\/update$/, 'containerUpdate'],
  [/\/containers\/[^/]+\/exec$/, 'execCreate'],
  [/\/exec\/[^/]+\/start$/, 'execStart'],
  [/\/commit$/, 'commit'],
  [/\/volumes\/create$/, 'volumeCreate'],
  [/\/networks\/create$/, 'networkCreate'],
  [/\/networks\/[^/]+\/connect$/, 'networkConnect'],
  [/\/auth$/, 'auth'],
];

interface Fixture {
  request: { method: string; path: string; body: unknown };
}

const captured = ['allowed', 'denied'].flatMap((dir) =>
  readdirSync(join(FIXTURES, dir))
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ name: `${dir}/${file}`, fixture: JSON.parse(readFileSync(join(FIXTURES, dir, file), 'utf8')) as Fixture }))
    .flatMap(({ name, fixture }) => {
      const kind = KIND_OF.find(([pattern]) => pattern.test(fixture.request.path.split('?')[0]))?.[1];
      const body = fixture.request.body;
      return kind && fixture.request.method === 'POST' && typeof body === 'object' && body !== null ? [{ name, kind, body }] : [];
    }),
);

// dockerode echoes the query's `name` into the body; dockerd ignores it, the
// shape refuses it, and the body validator drops it first (a key Go maps to no field).
const QUERY_ECHO = /^allowed\/dockerode-5\.0-.*-create-named\.json$/;

describe('bodies captured from real clients', () => {
  it('include every kind of body that clients send with a JSON object', () => {
    const kinds = new Set(captured.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(['auth', 'containerCreate', 'containerUpdate', 'execCreate', 'networkConnect', 'networkCreate', 'volumeCreate']);
  });

  it.each(captured.filter((c) => !QUERY_ECHO.test(c.name)).map((c) => [c.name, c.kind, c.body] as const))(
    '%s is a well-formed %s body and round-trips unchanged',
    (_name, kind, body) => {
      const result = validateDto(BODY_DTOS[kind] as DtoClass, body);
      expect(result).toEqual({ ok: true, value: expect.anything() });
      if (result.ok) expect(toCanonicalPlain(result.value)).toStrictEqual(body);
    },
  );

  it('have no key the daemon ignores, except dockerode\'s query echo `name` (what the body validator drops)', () => {
    const dropped = captured.flatMap((c) => dropUnmappedKeys(BODY_DTOS[c.kind] as DtoClass, c.body).dropped.map((field) => `${c.name}: ${field}`));
    expect(dropped).toEqual(captured.filter((c) => QUERY_ECHO.test(c.name)).map((c) => `${c.name}: name`));
  });

  it.each(captured.filter((c) => QUERY_ECHO.test(c.name)).map((c) => [c.name, c.body] as const))(
    '%s: the query echo `name` is an unknown field',
    (_name, body) => {
      const result = validateDto(BODY_DTOS.containerCreate, body);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.violations.map((v) => v.field)).toEqual(['name']);
    },
  );
});
