/** What a check found, as plain data; the report renders it (text, JSON, JUnit). */
export type CheckFamily = "leaks" | "integrity" | "sampling";

export interface Finding {
  check: CheckFamily;
  /** Stable short name of the rule that failed, e.g. `removed-key`, `error-trace-dropped`. */
  code: string;
  message: string;
  where?: FindingLocation;
}

export interface FindingLocation {
  /** 0-based index of the request the sink received (line index+1 of the --received file). */
  request?: number;
  /** Path inside that request, e.g. resourceSpans[0].scopeSpans[1].spans[2].events[0].attributes["user.email"]. */
  path?: string;
  traceId?: string;
  spanId?: string;
  service?: string;
  spanName?: string;
  /** For metrics findings: the series as Prometheus shows it. */
  series?: string;
  /** Where the span came from in the fixtures. */
  source?: { file: string; line?: number; offset?: number };
}

/** Past this many findings of one code, the rest are counted, not listed: the first ones say what is wrong. */
export const MAX_PER_CODE = 20;

export function capFindings(findings: readonly Finding[]): Finding[] {
  const seen = new Map<string, number>();
  const out: Finding[] = [];
  for (const f of findings) {
    const key = `${f.check}/${f.code}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n <= MAX_PER_CODE) out.push(f);
  }
  for (const [key, n] of seen) {
    if (n <= MAX_PER_CODE) continue;
    const [check, code] = key.split("/") as [CheckFamily, string];
    out.push({ check, code, message: `… and ${n - MAX_PER_CODE} more of the same kind` });
  }
  return out;
}
