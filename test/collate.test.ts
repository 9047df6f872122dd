/*
 * compareText stands in for localeCompare, whose first call loads ICU's collation data: for every
 * string it must give the order localeCompare gives (the generated configs' key order depends on it).
 */
import { describe, expect, it } from "vitest";
import { compareText } from "../src/text/collate.js";

const sign = (n: number) => Math.sign(n);
const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

describe("compareText orders text as localeCompare does", () => {
  it("for every pair of printable ASCII characters and every pair of two-character strings of them", () => {
    const mismatches: string[] = [];
    const check = (a: string, b: string) => {
      if (sign(compareText(a, b)) !== sign(a.localeCompare(b))) mismatches.push(JSON.stringify([a, b]));
    };
    for (const a of PRINTABLE) for (const b of PRINTABLE) check(a, b);
    const pairs = ["a", "A", "b", "B", "_", "-", "/", ".", " ", "1", "9", "z", "Z", "~", "$"];
    const two = pairs.flatMap((x) => pairs.map((y) => x + y));
    for (const a of two) for (const b of two) check(a, b);
    expect(mismatches.slice(0, 20)).toEqual([]);
  });

  it("for random strings of names' characters, case and punctuation, of different lengths", () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const alphabet = "aAbByYzZ09_-./: ";
    const word = () => Array.from({ length: next() % 9 }, () => alphabet[next() % alphabet.length]).join("");
    const words = Array.from({ length: 3000 }, word);
    const byIcu = [...words].sort((a, b) => a.localeCompare(b));
    expect([...words].sort(compareText)).toEqual(byIcu);
  });

  it("for component ids as the generated configs name them", () => {
    const ids = [
      "otlp_grpc/jaeger",
      "otlp/agents",
      "transform/flow",
      "tail_sampling",
      "spanmetrics",
      "batch",
      "memory_limiter",
      "masking",
      "debug",
      "prometheus",
      "file_storage/queue",
      "health_check",
      "bearertokenauth",
      "zpages",
      "OTLP",
      "otlp",
    ];
    expect([...ids].sort(compareText)).toEqual([...ids].sort((a, b) => a.localeCompare(b)));
  });

  it("leaves text beyond printable ASCII to localeCompare", () => {
    for (const [a, b] of [
      ["é", "f"],
      ["e\u0301", "é"],
      ["a\tb", "ab"],
      ["Ä", "a"],
      ["straße", "strasse"],
    ] as const)
      expect(sign(compareText(a, b))).toBe(sign(a.localeCompare(b)));
  });
});
