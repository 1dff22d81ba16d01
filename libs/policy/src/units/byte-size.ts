/**
 * Sizes written the way the daemon reads them (github.com/docker/go-units):
 * a number, an optional space, an optional unit letter k/m/g/t/p, an optional
 * `i` and an optional `b`, any case. The daemon ignores the `i`: the unit is
 * decided by the function, not by the spelling —
 * - `decimal` (units.FromHumanSize): log `max-size`; 10m = 10,000,000 bytes.
 * - `binary` (units.RAMInBytes): `--memory`, `--storage-opt size`, log
 *   `max-buffer-size`; 10m = 10,485,760 bytes.
 * We read exactly this grammar so that a bound we check is the bound the daemon
 * applies; anything else is refused rather than guessed at.
 */
export type ByteSizeBase = 'decimal' | 'binary';

const SIZE = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i;
const POWERS: Readonly<Record<string, number>> = { '': 0, k: 1, m: 2, g: 3, t: 4, p: 5 };

/** Bytes, or undefined when the text is not a size the daemon reads the same way. */
export function parseByteSize(text: string, base: ByteSizeBase): number | undefined {
  const match = SIZE.exec(text);
  if (!match) return undefined;
  const multiplier = (base === 'decimal' ? 1000 : 1024) ** POWERS[(match[2] ?? '').toLowerCase()];
  // Go truncates the float product to an int64.
  const bytes = Math.trunc(Number(match[1]) * multiplier);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** A policy-file size: a whole number of bytes, or a string as above. */
export function byteSizeOption(value: unknown, base: ByteSizeBase): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  return typeof value === 'string' ? parseByteSize(value, base) : undefined;
}

/** 31457280 → "30 MiB"-style text for messages (two decimals at most). */
export function formatBytes(bytes: number, base: ByteSizeBase = 'binary'): string {
  const step = base === 'decimal' ? 1000 : 1024;
  const units = base === 'decimal' ? ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] : ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= step && unit < units.length - 1) {
    value /= step;
    unit++;
  }
  return `${Number(value.toFixed(2))} ${units[unit]}`;
}
