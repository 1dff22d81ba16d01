import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { DtoBodyKind } from '../routes/body-kind';
import { AuthConfigDto } from './auth-config.dto';
import { ContainerConfigDto } from './container-config.dto';
import { ContainerCreateDto } from './container-create.dto';
import { ContainerUpdateDto } from './container-update.dto';
import { ExecConfigDto } from './exec-config.dto';
import { ExecStartConfigDto } from './exec-start-config.dto';
import { NetworkConnectRequestDto } from './network-connect-request.dto';
import { NetworkCreateRequestDto } from './network-create-request.dto';
import { SHAPE_VALIDATOR_OPTIONS, UNKNOWN_FIELD, joinPath, keySegment, violationsOf } from './shape-violations';
import { VolumeCreateRequestDto } from './volume-create-request.dto';

/** `field` is a dotted path: 'HostConfig.Mounts[0].BindOptions.Propagation', 'Labels["com.example.x"]', or '(body)'. */
export interface ShapeViolation {
  field: string;
  value: unknown;
  reason: string;
}

export type ShapeResult<T> = { ok: true; value: T } | { ok: false; violations: ShapeViolation[] };

/** The DTO of each JSON request body the policy validates. */
export const BODY_DTOS = {
  containerCreate: ContainerCreateDto,
  containerUpdate: ContainerUpdateDto,
  execCreate: ExecConfigDto,
  execStart: ExecStartConfigDto,
  commit: ContainerConfigDto,
  volumeCreate: VolumeCreateRequestDto,
  networkCreate: NetworkCreateRequestDto,
  networkConnect: NetworkConnectRequestDto,
  auth: AuthConfigDto,
} as const satisfies Record<DtoBodyKind, new () => object>;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a parsed JSON body as an instance of `cls`: every key must be the
 * canonical spelling of a field of the request in some API version 1.24–1.52,
 * and every value of its JSON type. The instance is what the policy rules read
 * and what `toCanonicalPlain` turns back into the body that is forwarded.
 */
export function validateDto<T extends object>(cls: new () => T, plain: unknown): ShapeResult<T> {
  if (!isObject(plain)) return { ok: false, violations: [{ field: '(body)', value: plain, reason: 'the body must be a JSON object' }] };
  const reserved = prototypeKeys(plain, '');
  if (reserved.length > 0) return { ok: false, violations: reserved };
  const value = plainToInstance(cls, plain);
  const violations = violationsOf(validateSync(value, SHAPE_VALIDATOR_OPTIONS));
  if (violations.length > 0) return { ok: false, violations };
  // class-transformer silently skips some keys ('__proto__', 'constructor', and
  // names of Object.prototype methods such as 'toString'), so the whitelist
  // never sees them. Whatever the instance does not carry is refused here, so
  // the forwarded body is exactly the one that was validated.
  const lost = differences(plain, toCanonicalPlain(value), '');
  return lost.length > 0 ? { ok: false, violations: lost } : { ok: true, value };
}

/**
 * The body to forward: canonical keys only, `undefined` dropped, `null` kept,
 * maps as plain objects, and no class instances or transformer metadata left.
 */
export function toCanonicalPlain(value: object): Record<string, unknown> {
  return canonical(value) as Record<string, unknown>;
}

function canonical(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(canonical);
  const entries = value instanceof Map ? [...value.entries()] : Object.keys(value).map((key) => [key, (value as Record<string, unknown>)[key]]);
  const out: Record<string, unknown> = {};
  for (const [key, member] of entries) {
    // defineProperty: a map key named '__proto__' must stay a key.
    if (member !== undefined) Object.defineProperty(out, key, { value: canonical(member), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

// Keys that reach an object's prototype in a careless consumer. class-transformer
// is one: it takes an untyped object's `constructor` property for its class (and
// throws when it is not one). No Docker API body needs them; the strict JSON
// parser refuses them too.
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function prototypeKeys(value: unknown, path: string): ShapeViolation[] {
  if (Array.isArray(value)) return value.flatMap((element, index) => prototypeKeys(element, `${path}[${index}]`));
  if (!isObject(value)) return [];
  return Object.keys(value).flatMap((key) => {
    const at = joinPath(path, keySegment(key));
    return PROTOTYPE_KEYS.has(key) ? [{ field: at, value: value[key], reason: `the key ${JSON.stringify(key)} is not allowed` }] : prototypeKeys(value[key], at);
  });
}

function differences(sent: unknown, kept: unknown, path: string): ShapeViolation[] {
  const field = path === '' ? '(body)' : path;
  if (Array.isArray(sent)) {
    if (!Array.isArray(kept) || kept.length !== sent.length) return [{ field, value: sent, reason: 'could not be read exactly as sent' }];
    return sent.flatMap((element, index) => differences(element, kept[index], `${path}[${index}]`));
  }
  if (isObject(sent)) {
    if (!isObject(kept)) return [{ field, value: sent, reason: 'could not be read exactly as sent' }];
    const out: ShapeViolation[] = [];
    for (const key of Object.keys(sent)) {
      if (sent[key] === undefined) continue;
      const at = joinPath(path, keySegment(key));
      if (!Object.prototype.hasOwnProperty.call(kept, key)) out.push({ field: at, value: sent[key], reason: UNKNOWN_FIELD });
      else out.push(...differences(sent[key], kept[key], at));
    }
    for (const key of Object.keys(kept)) {
      if (!Object.prototype.hasOwnProperty.call(sent, key)) out.push({ field: joinPath(path, keySegment(key)), value: kept[key], reason: 'was not sent' });
    }
    return out;
  }
  return Object.is(sent, kept) ? [] : [{ field, value: sent, reason: 'could not be read exactly as sent' }];
}
