/* Latency statistics of one measured run. Pure. */

export interface RunStats {
  count: number;
  p50Ms: number;
  p99Ms: number;
  /** Completed operations per second of wall-clock time. */
  throughput: number;
}

/** Nearest-rank percentile: the smallest value with at least p% of the values at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error("no values");
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(latenciesMs: readonly number[], wallMs: number): RunStats {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    throughput: (sorted.length / wallMs) * 1000,
  };
}

/** How much slower (or less) tracing makes a path: (on − off) / off, as a percentage. */
export const overheadPercent = (on: number, off: number): number => ((on - off) / off) * 100;
