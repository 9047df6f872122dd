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
    this.pending.push({ pattern: pattern.map((b) => LOWER[b]!), ref });
  }

  get size(): number {
    return this.pending.length;
  }

  private build(): void {
    const frequency = new Map<number, number>();
    const windows = this.pending.map(({ pattern }) => {
      const hashes = windowHashes(pattern);
      for (const h of new Set(hashes)) frequency.set(h, (frequency.get(h) ?? 0) + 1);
      return hashes;
    });
    this.pending.forEach(({ pattern, ref }, i) => {
      const hashes = windows[i]!;
      let offset = 0;
      for (let k = 1; k < hashes.length; k++)
        if (frequency.get(hashes[k]!)! < frequency.get(hashes[offset]!)!) offset = k;
      const h = hashes[offset]!;
      const list = this.byHash.get(h) ?? [];
      list.push({ pattern, offset, ref });
      this.byHash.set(h, list);
      this.filter[h >>> (32 - FILTER_BITS + 5)]! |= 1 << ((h >>> (32 - FILTER_BITS)) & 31);
    });
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
      h = (Math.imul((h - Math.imul(LOWER[bytes[i]!]!, POW)) >>> 0, BASE) + LOWER[bytes[i + GRAM]!]!) >>> 0;
    }
  }
}

function windowHashes(pattern: Uint8Array): number[] {
  const out: number[] = [];
  let h = 0;
  for (let i = 0; i < GRAM; i++) h = (Math.imul(h, BASE) + pattern[i]!) >>> 0;
  out.push(h);
  for (let i = GRAM; i < pattern.length; i++) {
    h = (Math.imul((h - Math.imul(pattern[i - GRAM]!, POW)) >>> 0, BASE) + pattern[i]!) >>> 0;
    out.push(h);
  }
  return out;
}

function equalsAt(bytes: Uint8Array, start: number, pattern: Uint8Array): boolean {
  for (let k = 0; k < pattern.length; k++) if (LOWER[bytes[start + k]!] !== pattern[k]) return false;
  return true;
}

/** ASCII letters lower-cased, everything else as it is: the key under which whole values are compared. */
export const foldAscii = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
