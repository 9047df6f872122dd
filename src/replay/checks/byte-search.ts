/*
 * Many byte patterns searched at once in large buffers, ASCII letters matched without
 * regard to case. Each pattern is indexed under its rarest GRAM-byte window (planted values
 * share fragments such as "@example.com", so a fixed window would make every lookup walk
 * thousands of candidates); the buffer is scanned once with a rolling hash, a bit filter
 * rejects almost every position, and the few that pass are compared byte by byte. Cost:
 * linear in the buffer, whatever the number of patterns.
 */

export const GRAM = 6;

const LOWER = new Uint8Array(256).map((_, b) => (b >= 0x41 && b <= 0x5a ? b + 0x20 : b));
const BASE = 0x01000193;
const POW = (() => {
  let p = 1;
  for (let i = 1; i < GRAM; i++) p = Math.imul(p, BASE);
  return p >>> 0;
})();
const FILTER_BITS = 24;
/** Patterns whose windows are counted to find the rare ones. */
const SAMPLE = 20_000;

interface Entry<T> {
  pattern: Uint8Array;
  /** Where the indexed window sits in the pattern. */
  offset: number;
  ref: T;
}

export class ByteSearch<T> {
  private readonly pending: Array<{ pattern: Uint8Array; ref: T }> = [];
  private readonly byHash = new Map<number, Array<Entry<T>>>();
  private readonly filter = new Uint32Array(1 << (FILTER_BITS - 5));
  private built = false;

  /** Patterns shorter than GRAM bytes cannot be indexed; the caller matches those whole. */
  add(pattern: Uint8Array, ref: T): void {
    if (pattern.length < GRAM) throw new Error(`a pattern needs at least ${GRAM} bytes`);
    if (this.built) throw new Error("patterns are added before the first scan");
    const lower = new Uint8Array(pattern.length);
    for (let i = 0; i < pattern.length; i++) lower[i] = LOWER[pattern[i]!]!;
    this.pending.push({ pattern: lower, ref });
  }

  private build(): void {
    // How common each window is, judged on a sample of the patterns: common fragments are
    // common in any sample, and counting all of a million patterns' windows takes seconds.
    const every = Math.max(1, Math.floor(this.pending.length / SAMPLE));
    const frequency = new Map<number, number>();
    for (let i = 0; i < this.pending.length; i += every) {
      const pattern = this.pending[i]!.pattern;
      let h = windowHash(pattern, 0);
      for (let k = GRAM; ; k++) {
        frequency.set(h, (frequency.get(h) ?? 0) + 1);
        if (k >= pattern.length) break;
        h = roll(h, pattern[k - GRAM]!, pattern[k]!);
      }
    }
    for (const { pattern, ref } of this.pending) {
      let h = windowHash(pattern, 0);
      let best = 0;
      let bestHash = h;
      let bestCount = frequency.get(h) ?? 0;
      for (let k = GRAM; k < pattern.length && bestCount > 0; k++) {
        h = roll(h, pattern[k - GRAM]!, pattern[k]!);
        const count = frequency.get(h) ?? 0;
        if (count < bestCount) {
          best = k - GRAM + 1;
          bestHash = h;
          bestCount = count;
        }
      }
      const list = this.byHash.get(bestHash);
      if (list) list.push({ pattern, offset: best, ref });
      else this.byHash.set(bestHash, [{ pattern, offset: best, ref }]);
      this.filter[bestHash >>> (32 - FILTER_BITS + 5)]! |= 1 << ((bestHash >>> (32 - FILTER_BITS)) & 31);
    }
    this.pending.length = 0;
    this.built = true;
  }

  /** Calls `hit` for every occurrence of every pattern in `bytes`, with the offset where it starts. */
  scan(bytes: Uint8Array, hit: (ref: T, at: number) => void): void {
    if (!this.built) this.build();
    if (this.byHash.size === 0 || bytes.length < GRAM) return;
    const filter = this.filter;
    let h = 0;
    for (let i = 0; i < GRAM; i++) h = (Math.imul(h, BASE) + LOWER[bytes[i]!]!) >>> 0;
    for (let i = 0; ; i++) {
      if ((filter[h >>> (32 - FILTER_BITS + 5)]! & (1 << ((h >>> (32 - FILTER_BITS)) & 31))) !== 0) {
        const entries = this.byHash.get(h);
        if (entries)
          for (const e of entries) {
            const start = i - e.offset;
            if (start >= 0 && start + e.pattern.length <= bytes.length && equalsAt(bytes, start, e.pattern))
              hit(e.ref, start);
          }
      }
      if (i + GRAM >= bytes.length) break;
      h = roll(h, LOWER[bytes[i]!]!, LOWER[bytes[i + GRAM]!]!);
    }
  }
}

/** The hash of the window one byte further: `out` leaves it, `in` enters. */
const roll = (h: number, out: number, enter: number): number =>
  (Math.imul((h - Math.imul(out, POW)) >>> 0, BASE) + enter) >>> 0;

function windowHash(pattern: Uint8Array, offset: number): number {
  let h = 0;
  for (let i = offset; i < offset + GRAM; i++) h = (Math.imul(h, BASE) + pattern[i]!) >>> 0;
  return h;
}

function equalsAt(bytes: Uint8Array, start: number, pattern: Uint8Array): boolean {
  for (let k = 0; k < pattern.length; k++) if (LOWER[bytes[start + k]!] !== pattern[k]) return false;
  return true;
}

/** ASCII letters lower-cased, everything else as it is: the key under which whole values are compared. */
export const foldAscii = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
