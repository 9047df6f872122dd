import { describe, expect, it } from "vitest";
import { overheadPercent, percentile, summarize } from "../shop/bench/stats.js";

describe("benchmark statistics", () => {
  it("takes nearest-rank percentiles: p50 of 1..100 is 50, p99 is 99, p100 the maximum", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });

  it("summarizes unsorted latencies and counts throughput per second of wall-clock time", () => {
    expect(summarize([30, 10, 20, 40], 2000)).toEqual({ count: 4, p50Ms: 20, p99Ms: 40, throughput: 2 });
  });

  it("states overhead relative to the untraced figure", () => {
    expect(overheadPercent(105, 100)).toBeCloseTo(5);
    expect(overheadPercent(95, 100)).toBeCloseTo(-5);
  });
});
