import { describe, expect, it } from "vitest";
import type { AnyValue } from "../src/otlp/model.js";
import {
  deeplyNestedRequest,
  deepestNestingWithin,
  deepRequestSize,
  manyAttributesRequest,
  mostAttributesWithin,
} from "../src/otlp/hostile-requests.js";
import { DecodeError } from "../src/otlp/problem.js";
import { decodeProtoRequest, MAX_MESSAGE_DEPTH } from "../src/otlp/protobuf.js";

/** Levels of nesting below a value, following the first element down. */
function depthOf(value: AnyValue): number {
  let depth = 0;
  for (let v = value; v.type === "array" || v.type === "kvlist"; depth++)
    v = v.type === "array" ? v.values[0]! : v.values[0]!.value;
  return depth;
}

describe("hostile requests", () => {
  it("are OTLP that our own decoder reads back: one span, its one attribute nested as deep as asked", () => {
    for (const nesting of ["array", "kvlist"] as const)
      for (const depth of [0, 1, 2, 127, 128, 500]) {
        const bytes = deeplyNestedRequest(depth, nesting, 1_700_000_000_000_000_000n);
        expect(bytes.length, `${nesting} ${depth}`).toBe(deepRequestSize(depth, nesting));
        const [span] = decodeProtoRequest(bytes).resourceSpans[0]!.scopeSpans[0]!.spans;
        expect(span?.attributes.map((a) => a.key)).toEqual(["deep"]);
        expect(depthOf(span!.attributes[0]!.value)).toBe(depth);
        expect(span!.attributes[0]!.value.type).toBe(depth === 0 ? "empty" : nesting);
      }
  });

  it("are read back up to the decoder's depth and refused one level deeper, however deep, with the offset", () => {
    // Request, resource spans, scope spans, span, key-value, then two messages per array level and three
    // per key-value list level.
    const deepest = { array: (MAX_MESSAGE_DEPTH - 6) / 2, kvlist: Math.floor((MAX_MESSAGE_DEPTH - 6) / 3) };
    for (const nesting of ["array", "kvlist"] as const) {
      const [span] = decodeProtoRequest(deeplyNestedRequest(deepest[nesting], nesting, 1n)).resourceSpans[0]!
        .scopeSpans[0]!.spans;
      expect(depthOf(span!.attributes[0]!.value)).toBe(deepest[nesting]);
      for (const depth of [deepest[nesting] + 1, 100_000, 1_000_000]) {
        const bytes = deeplyNestedRequest(depth, nesting, 1n);
        let refusal: unknown;
        try {
          decodeProtoRequest(bytes);
        } catch (error) {
          refusal = error;
        }
        expect(refusal, `${nesting} ${depth}`).toBeInstanceOf(DecodeError);
        expect((refusal as DecodeError).message).toBe(`messages nest deeper than ${MAX_MESSAGE_DEPTH} levels`);
        expect((refusal as DecodeError).offset).toBeGreaterThan(0);
        expect((refusal as DecodeError).offset).toBeLessThan(bytes.length);
      }
    }
  });

  it("are as long as their size says at depths whose lengths take up to four bytes to write", () => {
    for (const nesting of ["array", "kvlist"] as const)
      for (const depth of [3_000, 300_000])
        expect(deeplyNestedRequest(depth, nesting, 1n).length).toBe(deepRequestSize(depth, nesting));
  });

  it("fill a size exactly as far as it goes: one level or attribute more would not fit", () => {
    for (const limit of [1024, 1024 * 1024, 2 * 1024 * 1024])
      for (const nesting of ["array", "kvlist"] as const) {
        const depth = deepestNestingWithin(limit, nesting);
        expect(deepRequestSize(depth, nesting)).toBeLessThanOrEqual(limit);
        expect(deepRequestSize(depth + 1, nesting)).toBeGreaterThan(limit);
      }
    const count = mostAttributesWithin(64 * 1024);
    expect(manyAttributesRequest(count, 1n).length).toBeLessThanOrEqual(64 * 1024);
    expect(manyAttributesRequest(count + 1, 1n).length).toBeGreaterThan(64 * 1024);
    const [span] = decodeProtoRequest(manyAttributesRequest(count, 1n)).resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(span?.attributes).toHaveLength(count);
  });
});
