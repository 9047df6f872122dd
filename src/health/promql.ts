/*
 * PromQL is the one place where the generated files must carry expressions as text. These helpers
 * build them from parts, so label values are always quoted and escaped the same way.
 */

export interface Matcher {
  label: string;
  op: "=" | "!=";
  value: string;
}

export const eq = (label: string, value: string): Matcher => ({ label, op: "=", value });
export const notEmpty = (label: string): Matcher => ({ label, op: "!=", value: "" });

/** `metric{a="b",…}`: JSON string quoting is PromQL's double-quoted string syntax for these values. */
export function selector(metric: string, matchers: readonly Matcher[] = []): string {
  if (matchers.length === 0) return metric;
  return `${metric}{${matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join(",")}}`;
}

export const rate = (series: string, window: string): string => `rate(${series}[${window}])`;

export const sumBy = (labels: readonly string[], expr: string): string => `sum by (${labels.join(", ")}) (${expr})`;

export const maxBy = (labels: readonly string[], expr: string): string => `max by (${labels.join(", ")}) (${expr})`;

/**
 * Failed over all, per group. Where nothing failed there is no failed series at all, so the
 * numerator falls back to zero times the total: a clean 0 instead of an empty result.
 */
export function failedRatio(groups: readonly string[], failed: string, all: string): string {
  return `(${sumBy(groups, failed)} or 0 * ${sumBy(groups, all)}) / ${sumBy(groups, all)}`;
}

/** Seconds as Prometheus reads them in a comparison: plain decimal, no exponent. */
export const seconds = (ms: number): string => String(ms / 1000);
