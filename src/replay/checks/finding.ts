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
  /** Byte offset in that request's body, as the sink received it. */
  offset?: number;
  /** Path inside that request, e.g. resourceSpans[0].scopeSpans[1].spans[2].events[0].attributes["user.email"]. */
  path?: string;
  traceId?: string;
  spanId?: string;
  service?: string;
  spanName?: string;
  /** For metrics findings: the series as Prometheus shows it. */
  series?: string;
  /** 1-based line of the metrics scrape. */
  line?: number;
  /** 1-based line of the collector's log. */
  logLine?: number;
  /** Where the span came from in the fixtures. */
  source?: { file: string; line?: number; offset?: number };
}

/** Past this many findings of one code, the rest are counted, not listed: the first ones say what is wrong. */
export const MAX_PER_CODE = 20;

/**
 * Collects findings, keeping the first MAX_PER_CODE of each code and counting the rest. A
 * broken masking rule on a large replay finds millions of leaks; building each message only
 * to drop it would take minutes, so findings are made lazily.
 */
export class FindingList {
  private readonly kept: Finding[] = [];
  private readonly counts = new Map<string, number>();

  add(check: CheckFamily, code: string, make: () => { message: string; where?: FindingLocation }): void {
    const key = `${check}/${code}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    if (n <= MAX_PER_CODE) this.kept.push({ check, code, ...make() });
  }

  count(check?: CheckFamily): number {
    let n = 0;
    for (const [key, c] of this.counts) if (!check || key.startsWith(`${check}/`)) n += c;
    return n;
  }

  list(): Finding[] {
    const out = [...this.kept];
    for (const [key, n] of this.counts) {
      if (n <= MAX_PER_CODE) continue;
      const [check, code] = key.split("/") as [CheckFamily, string];
      out.push({ check, code, message: `… and ${n - MAX_PER_CODE} more of the same kind` });
    }
    return out;
  }
}
