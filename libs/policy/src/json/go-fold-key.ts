/**
 * The key as Go's encoding/json compares it with a struct field name, so that
 * goFoldKey(a) === goFoldKey(b) exactly when dockerd reads a and b as the same
 * field. decode.go looks a key up by exact name, then by foldName(key); fold.go
 * foldName upper-cases ASCII a-z and replaces every other rune r by foldRune(r),
 * the smallest rune of r's unicode.SimpleFold orbit (its class under Unicode
 * simple case folding). So 'ſ' (U+017F) is 'S' and the Kelvin sign (U+212A) is
 * 'K', the only non-ASCII runes that reach an ASCII field name, while 'İ'
 * (U+0130) and 'ı' (U+0131), which have case mappings but no simple folding,
 * stay themselves. The result is Go's folded name, rune for rune.
 */
export function goFoldKey(key: string): string {
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) >= 0x80) return foldUnicodeKey(key);
  }
  return key.toUpperCase();
}

function foldUnicodeKey(key: string): string {
  let folded = '';
  for (const char of key) {
    const code = char.codePointAt(0)!;
    folded += code < 0x80 ? char.toUpperCase() : String.fromCodePoint(foldRune(code));
  }
  return folded;
}

let smallestInOrbit: Map<number, number> | undefined;

function foldRune(code: number): number {
  // A lone surrogate only reaches Go as the U+FFFD its unquoting produced.
  if (code >= 0xd800 && code <= 0xdfff) return 0xfffd;
  smallestInOrbit ??= buildOrbits();
  return smallestInOrbit.get(code) ?? code;
}

// Every cased character is below this; the spec scans the rest to keep it so.
const LAST_CASED = 0x1ffff;
// Case pairs without simple folding (CaseFolding.txt has them only as Turkic
// 'T' mappings); Go's unicode tests pin each as an orbit of one rune.
const CASED_BUT_UNFOLDED = new Set([0x130, 0x131]);

/**
 * JavaScript has no SimpleFold, so the orbits are rebuilt from the engine's
 * one-character case mappings, which link every member of a simple-folding
 * class ('ſ' upper-cases to 'S', the Kelvin sign lower-cases to 'k'). A mapping
 * that expands ('ß' → 'SS') is no simple mapping and is skipped; such pairs are
 * linked from the other side ('ẞ' lower-cases to 'ß'). Go 1.21+ has Unicode
 * 15.0 tables; a newer engine also cases letters added since, which can only
 * make us refuse more. Built once, on the first non-ASCII key.
 */
function buildOrbits(): Map<number, number> {
  const smaller = new Map<number, number>();
  const smallest = (code: number): number => {
    for (let next = smaller.get(code); next !== undefined; next = smaller.get(code)) code = next;
    return code;
  };
  const casemapped = /\p{Changes_When_Casemapped}/u;
  for (let code = 0; code <= LAST_CASED; code++) {
    if (code === 0xd800) code = 0xe000;
    const char = String.fromCodePoint(code);
    if (!casemapped.test(char) || CASED_BUT_UNFOLDED.has(code)) continue;
    for (const mapped of [char.toLowerCase(), char.toUpperCase()]) {
      const other = mapped.codePointAt(0)!;
      if (mapped !== String.fromCodePoint(other) || CASED_BUT_UNFOLDED.has(other)) continue;
      const [a, b] = [smallest(code), smallest(other)];
      if (a !== b) smaller.set(Math.max(a, b), Math.min(a, b));
    }
  }
  const result = new Map<number, number>();
  for (const code of smaller.keys()) result.set(code, smallest(code));
  return result;
}
