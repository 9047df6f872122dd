import { describe, expect, it } from "vitest";
import { parseFixture } from "../src/traffic/read.js";
import { parseYamlSource } from "../src/load/yaml-source.js";
import { firstInvalidUtf8 } from "../src/text/utf8.js";

/*
 * Expectations come from the Unicode Standard, Table 3-7 (well-formed UTF-8 byte sequences),
 * restated here as data and not taken from the module under test.
 */
const TABLE_3_7: ReadonlyArray<{ first: [number, number]; rest: Array<[number, number]> }> = [
  { first: [0x00, 0x7f], rest: [] },
  { first: [0xc2, 0xdf], rest: [[0x80, 0xbf]] },
  {
    first: [0xe0, 0xe0],
    rest: [
      [0xa0, 0xbf],
      [0x80, 0xbf],
    ],
  },
  {
    first: [0xe1, 0xec],
    rest: [
      [0x80, 0xbf],
      [0x80, 0xbf],
    ],
  },
  {
    first: [0xed, 0xed],
    rest: [
      [0x80, 0x9f],
      [0x80, 0xbf],
    ],
  },
  {
    first: [0xee, 0xef],
    rest: [
      [0x80, 0xbf],
      [0x80, 0xbf],
    ],
  },
  {
    first: [0xf0, 0xf0],
    rest: [
      [0x90, 0xbf],
      [0x80, 0xbf],
      [0x80, 0xbf],
    ],
  },
  {
    first: [0xf1, 0xf3],
    rest: [
      [0x80, 0xbf],
      [0x80, 0xbf],
      [0x80, 0xbf],
    ],
  },
  {
    first: [0xf4, 0xf4],
    rest: [
      [0x80, 0x8f],
      [0x80, 0xbf],
      [0x80, 0xbf],
    ],
  },
];

const bytes = (...b: number[]) => new Uint8Array(b);
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join(" ");

describe("firstInvalidUtf8, by Table 3-7", () => {
  it("accepts every row's lowest and highest sequence, alone and after other text", () => {
    for (const row of TABLE_3_7) {
      for (const pick of [0, 1] as const) {
        const seq = [row.first[pick], ...row.rest.map((r) => r[pick])];
        expect(firstInvalidUtf8(bytes(...seq)), hex(bytes(...seq))).toBeUndefined();
        expect(firstInvalidUtf8(bytes(0x61, 0xc3, 0xa9, ...seq, 0x7a)), hex(bytes(...seq))).toBeUndefined();
      }
    }
  });

  it("accepts valid 2-, 3- and 4-byte characters", () => {
    for (const text of [
      "é",
      "ß",
      "߿",
      "ࠀ",
      "€",
      "한",
      "\uD7FF",
      "\uE000",
      "\uFFFD",
      "\uFFFF",
      "😀",
      "\u{10000}",
      "\u{10FFFF}",
    ]) {
      expect(firstInvalidUtf8(new TextEncoder().encode(`a${text}b`)), text).toBeUndefined();
    }
    expect(firstInvalidUtf8(bytes())).toBeUndefined();
  });

  it("rejects second bytes just outside each row's range, at the lead byte", () => {
    for (const row of TABLE_3_7.filter((r) => r.rest.length > 0)) {
      const [low, high] = row.rest[0]!;
      const tail = row.rest.slice(1).map((r) => r[0]);
      for (const second of [low - 1, high + 1]) {
        const seq = bytes(0x61, 0x62, row.first[0], second, ...tail);
        expect(firstInvalidUtf8(seq), hex(seq)).toBe(2);
      }
    }
  });

  it("finds the bad byte after multi-byte characters: aé\\xFF is bad at 3", () => {
    expect(firstInvalidUtf8(bytes(0x61, 0xc3, 0xa9, 0xff))).toBe(3);
    expect(firstInvalidUtf8(bytes(0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff))).toBe(7);
  });

  it("rejects bytes no sequence starts with: C0, C1, F5..FF and lone continuation bytes", () => {
    for (const b of [0xc0, 0xc1, 0xf5, 0xf6, 0xf7, 0xf8, 0xfb, 0xfc, 0xfd, 0xfe, 0xff, 0x80, 0xbf]) {
      expect(firstInvalidUtf8(bytes(0x61, b, 0x80, 0x80, 0x80)), hex(bytes(b))).toBe(1);
    }
    expect(firstInvalidUtf8(bytes(0xc0, 0xaf))).toBe(0); // overlong "/"
    expect(firstInvalidUtf8(bytes(0xc1, 0xbf))).toBe(0);
  });

  it("rejects overlong three- and four-byte forms: E0 80..9F, F0 80..8F", () => {
    for (const second of [0x80, 0x8f, 0x9f]) expect(firstInvalidUtf8(bytes(0x61, 0xe0, second, 0x80))).toBe(1);
    for (const second of [0x80, 0x8f]) expect(firstInvalidUtf8(bytes(0x61, 0xf0, second, 0x80, 0x80))).toBe(1);
  });

  it("rejects surrogates: ED A0..BF", () => {
    for (const second of [0xa0, 0xad, 0xaf, 0xb0, 0xbf])
      expect(firstInvalidUtf8(bytes(0x61, 0xed, second, 0x80))).toBe(1);
    // A surrogate pair encoded as two three-byte sequences (CESU-8) is not UTF-8 either.
    expect(firstInvalidUtf8(bytes(0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80))).toBe(0);
  });

  it("rejects code points above U+10FFFF: F4 90..BF and F5..FF", () => {
    for (const second of [0x90, 0xa0, 0xbf]) expect(firstInvalidUtf8(bytes(0x61, 0xf4, second, 0x80, 0x80))).toBe(1);
    for (const lead of [0xf5, 0xf7, 0xff]) expect(firstInvalidUtf8(bytes(0x61, lead, 0x80, 0x80, 0x80))).toBe(1);
  });

  it("rejects a sequence cut short by the end, or by a byte that is not a continuation", () => {
    for (const cut of [[0xc3], [0xe2], [0xe2, 0x82], [0xf0], [0xf0, 0x9f], [0xf0, 0x9f, 0x98], [0xf4, 0x8f, 0xbf]]) {
      expect(firstInvalidUtf8(bytes(0x61, 0xc3, 0xa9, ...cut)), hex(bytes(...cut))).toBe(3);
    }
    expect(firstInvalidUtf8(bytes(0xe2, 0x82, 0x41))).toBe(0);
    expect(firstInvalidUtf8(bytes(0xf0, 0x9f, 0x98, 0x41))).toBe(0);
  });
});

describe("firstInvalidUtf8 against Node's TextDecoder (an outside implementation)", () => {
  // Deterministic, so a failure can be replayed.
  let seed = 0x9e3779b9;
  const random = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  // Bytes drawn around the table's boundaries, so most strings are near-valid and the interesting cases are hit.
  const INTERESTING = [
    0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef,
    0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff,
  ];
  const randomBytes = (): Uint8Array => {
    const out = new Uint8Array(random(12));
    for (let i = 0; i < out.length; i++)
      out[i] = random(3) === 0 ? random(256) : INTERESTING[random(INTERESTING.length)]!;
    return out;
  };
  const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const lenient = new TextDecoder("utf-8", { ignoreBOM: true });
  const decodes = (b: Uint8Array) => {
    try {
      fatal.decode(b);
      return true;
    } catch {
      return false;
    }
  };

  it("agrees on thousands of random byte strings: valid exactly when it decodes, bad exactly where it stops", () => {
    let invalid = 0;
    for (let n = 0; n < 5000; n++) {
      const b = randomBytes();
      const offset = firstInvalidUtf8(b);
      if (decodes(b)) {
        expect(offset, hex(b)).toBeUndefined();
        continue;
      }
      invalid++;
      expect(offset, hex(b)).toBeDefined();
      // Everything before the offset decodes, and the decoder's first replacement character stands right there.
      expect(decodes(b.subarray(0, offset)), hex(b)).toBe(true);
      const before = lenient.decode(b.subarray(0, offset));
      expect(lenient.decode(b).startsWith(`${before}\uFFFD`), hex(b)).toBe(true);
    }
    expect(invalid).toBeGreaterThan(1000);
  });

  it("accepts random well-formed text of every length class", () => {
    for (let n = 0; n < 2000; n++) {
      let text = "";
      for (let k = random(10); k > 0; k--) {
        const cp = [
          random(0x80),
          0x80 + random(0x780),
          0x800 + random(0xd000),
          0xe000 + random(0x2000),
          0x10000 + random(0x100000),
        ][random(5)]!;
        text += String.fromCodePoint(cp >= 0xd800 && cp <= 0xdfff ? 0x41 : cp);
      }
      const b = new TextEncoder().encode(text);
      expect(firstInvalidUtf8(b), hex(b)).toBeUndefined();
    }
  });
});

describe("both readers use it", () => {
  it("a description: aé\\xFF is reported at byte 3, column 4", () => {
    const result = parseYamlSource("d.yaml", bytes(0x61, 0xc3, 0xa9, 0xff));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics[0]).toMatchObject({ code: "not-utf8", line: 1, col: 4 });
    expect(result.diagnostics[0]!.message).toContain("0xff at byte 3");
  });

  it("a fixture: a surrogate, an overlong form and a code point above U+10FFFF are refused where they start", () => {
    const line = new TextEncoder().encode('{"resourceSpans":[],"x":"é');
    for (const bad of [
      [0xed, 0xa0, 0x80],
      [0xe0, 0x80, 0xaf],
      [0xc0, 0xaf],
      [0xf4, 0x90, 0x80, 0x80],
    ]) {
      const result = parseFixture("f.jsonl", bytes(...line, ...bad, 0x22, 0x7d, 0x0a));
      expect(result.ok, hex(bytes(...bad))).toBe(false);
      if (result.ok) continue;
      expect(result.problems[0]).toMatchObject({
        offset: line.length,
        message: `invalid UTF-8 at byte ${line.length}`,
      });
    }
  });
});
