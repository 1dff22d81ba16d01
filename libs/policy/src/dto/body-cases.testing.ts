import { DtoClass } from './docker-validation.decorators';
import { BODY_DTOS, toCanonicalPlain, validateDto } from './validate-dto';

// Shared by the body spec files: one table per body kind, run the same way.

/* eslint-disable @typescript-eslint/no-explicit-any -- bodies are arbitrary JSON */
export type Body = Record<string, any>;
type Refusal = [name: string, field: string, reason: RegExp, change: (body: Body) => void];

export interface BodyCases {
  /** What a real client sends. */
  readonly body: Body;
  /** Other bodies of the union of API versions that must be accepted too. */
  readonly accepted?: ReadonlyArray<[name: string, change: (body: Body) => void]>;
  readonly refused: readonly Refusal[];
}

export const UNKNOWN = /^unknown field/;

const clone = (body: Body): Body => JSON.parse(JSON.stringify(body));

/** Each kind's client body (and accepted variants) passes unchanged; each refused variant names its field and reason. */
export function describeBodyCases(cases: Partial<Record<keyof typeof BODY_DTOS, BodyCases>>): void {
  describe.each(Object.entries(cases).map(([kind, table]) => [kind, table!] as const))('the %s body', (kind, table) => {
    const cls: DtoClass = BODY_DTOS[kind as keyof typeof BODY_DTOS];

    it.each<[string, (body: Body) => void]>([['what the client sends', () => undefined], ...(table.accepted ?? [])])(
      'accepts %s and forwards it unchanged',
      (_name, change) => {
        const body = clone(table.body);
        change(body);
        const result = validateDto(cls, body);
        expect(result).toEqual({ ok: true, value: expect.any(cls) });
        if (result.ok) expect(toCanonicalPlain(result.value)).toStrictEqual(clone(body));
      },
    );

    it.each(table.refused)('refuses %s, naming %s', (_name, field, reason, change) => {
      const body = clone(table.body);
      change(body);
      const result = validateDto(cls, body);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.violations).toContainEqual(expect.objectContaining({ field, reason: expect.stringMatching(reason) }));
    });
  });
}
