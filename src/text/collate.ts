/**
 * The order `a.localeCompare(b)` gives, without its first call loading ICU's collation data (a
 * twentieth of a build). For printable ASCII, which names of components, files and rule codes are
 * made of, the root collation orders characters by the ranks below (a letter's case aside), and on a
 * tie the first lowercase letter where the two differ in case comes first. Anything else is left to
 * `localeCompare`; `test/collate.test.ts` checks the table against it.
 */
const ROOT_ORDER = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ";

const FIRST = 0x20;
const LAST = 0x7e;
const rank = new Uint8Array(LAST + 1);
for (let i = 0, r = 0; i < ROOT_ORDER.length; i++) {
  const c = ROOT_ORDER.charCodeAt(i);
  const upperOfPrevious = c >= 0x41 && c <= 0x5a && ROOT_ORDER.charCodeAt(i - 1) === c + 0x20;
  rank[c] = upperOfPrevious ? r : ++r;
}

const printableAscii = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < FIRST || c > LAST) return false;
  }
  return true;
};

export function compareText(a: string, b: string): number {
  if (!printableAscii(a) || !printableAscii(b)) return a.localeCompare(b);
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) {
    const difference = (rank[a.charCodeAt(i)] as number) - (rank[b.charCodeAt(i)] as number);
    if (difference !== 0) return Math.sign(difference);
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a.charCodeAt(i), b.charCodeAt(i)];
    // Same rank and different code: the same letter in two cases, where lowercase sorts first.
    if (x !== y) return x > y ? -1 : 1;
  }
  return 0;
}
