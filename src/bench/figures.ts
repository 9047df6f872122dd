/*
 * What the benchmark scripts share: medians over runs (the machine is shared, and one run can
 * land on a busy moment), ratios, and a plain text table.
 */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Each numeric field's median over the runs. */
export function medianOf<T extends Record<string, number>>(runs: readonly T[]): T {
  const first = runs[0];
  if (!first) throw new Error("no runs to take the median of");
  return Object.fromEntries(Object.keys(first).map((k) => [k, median(runs.map((r) => r[k]!))])) as T;
}

export function ratio(a: number, b: number): string {
  return b > 0 ? `${(a / b).toFixed(2)}x` : "-";
}

/** First column left-aligned, the others right-aligned, three spaces between. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("   "))
    .map((line) => `${line.trimEnd()}\n`)
    .join("");
}
