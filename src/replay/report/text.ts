import pc from "picocolors";
import type { FindingLocation } from "../checks/finding.js";
import { RULES } from "../checks/rules.js";
import type { ShareRow } from "../checks/sampling.js";
import type { ReplaySummary } from "./model.js";
import { KEPT_BY_ATTRIBUTE } from "../../collector/run-args.js";

/** The terminal report: what ran, a table per flow, then every finding with where it is. */
export function renderText(s: ReplaySummary, color: boolean): string {
  const c = pc.createColors(color);
  const { report } = s;
  const { counts } = report;
  const lines: string[] = [];
  const security = [
    s.transport.tls ? "TLS" : "plaintext",
    s.transport.auth === "none" ? "" : `auth ${s.transport.auth}`,
  ]
    .filter(Boolean)
    .join(", ");
  lines.push(
    c.bold(`replay ${s.environment}`) +
      `: ${counts.tracesSent} traces, ${counts.spansSent} spans sent over ${s.transport.send} (${security}) at speed ${s.speed}; ` +
      `${counts.tracesKept} traces, ${counts.spansReceived} spans reached the sink (${s.transport.sink} where Jaeger would be)`,
  );
  lines.push(
    s.decisionWait.overridden
      ? c.yellow(
          `decision_wait: ${s.decisionWait.configured} in the generated config, ${s.decisionWait.used} in this replay (--decision-wait)`,
        )
      : `decision_wait: ${s.decisionWait.used}, as generated`,
  );
  lines.push(
    `sampling shares: two-sided binomial test at ${pct(s.confidence)} confidence (${pct((1 - s.confidence) / 2)} in each tail)`,
  );
  lines.push("");
  lines.push(...table(report.sampling.rows, c));
  const late = report.sampling.lateSpans;
  lines.push(
    `late spans (sent after their trace's decision): ${late.total}; ${late.ofKeptTraces} belong to kept traces, ${late.arrived} of those arrived`,
  );
  lines.push(
    `leak oracle: ${report.searched.planted} planted values and ${report.searched.sent} values sent under removed or pseudonymized keys, searched for in every request to the trace store, the metrics and the collector's log`,
  );
  const keptBy = report.sampling.keptBy;
  lines.push(
    `kept traces naming the policy that kept them (${KEPT_BY_ATTRIBUTE}): ${keptBy.named}${keptBy.unnamed ? `; ${keptBy.unnamed} name none` : ""}`,
  );
  lines.push("");
  for (const family of ["leaks", "integrity", "sampling"] as const) {
    const ok = report.families[family];
    const rules = Object.values(RULES).filter((r) => r.family === family).length;
    lines.push(
      `${ok ? c.green("✓") : c.red("✗")} ${family.padEnd(10)} ${ok ? `${rules} rules hold` : c.red(`${report.findingCounts[family]} findings`)}`,
    );
  }
  if (report.findings.length > 0) lines.push("");
  for (const f of report.findings) {
    lines.push(`${c.red("✗")} ${c.bold(f.check)} ${c.dim(`[${f.code}]`)} ${f.message}`);
    if (f.where) lines.push(`    ${c.dim(location(f.where, s.receivedFile))}`);
  }
  lines.push("");
  lines.push(report.ok ? c.green(c.bold("PASS")) : c.red(c.bold("FAIL")));
  return `${lines.join("\n")}\n`;
}

function table(rows: readonly ShareRow[], c: ReturnType<typeof pc.createColors>): string[] {
  const header = [
    "flow",
    "traces",
    "errors kept",
    "over SLA kept",
    "ordinary kept",
    "share",
    "expected",
    "accepted",
    "undecidable",
    "verdict",
  ];
  const body = rows.map((r) => [
    r.flow,
    String(r.traces),
    r.errors.total ? `${r.errors.kept}/${r.errors.total}` : "-",
    r.overSla.total ? `${r.overSla.kept}/${r.overSla.total}` : "-",
    `${r.ordinary.kept}/${r.ordinary.total}`,
    r.ordinary.total ? pct(r.ordinary.kept / r.ordinary.total) : "-",
    pct(r.ordinary.expected) + (r.ordinary.capped ? " (capped)" : ""),
    `${r.ordinary.low}–${r.ordinary.high}`,
    String(r.undecidable),
    r.ok ? "ok" : "FAIL",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const fmt = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [
    c.bold(fmt(header)),
    ...body.map((row) => {
      const line = fmt(row);
      return row[row.length - 1] === "ok" ? line : c.red(line);
    }),
  ];
}

export function location(w: FindingLocation, receivedFile: string | undefined): string {
  const parts: string[] = [];
  if (w.request !== undefined)
    parts.push(receivedFile ? `${receivedFile}:${w.request + 1}` : `received request ${w.request + 1}`);
  if (w.offset !== undefined) parts.push(`byte ${w.offset}`);
  if (w.path) parts.push(w.path);
  if (w.series) parts.push(`metric ${w.series}${w.line !== undefined ? ` (line ${w.line} of the scrape)` : ""}`);
  if (w.logLine !== undefined) parts.push(`collector log line ${w.logLine}`);
  if (w.traceId) parts.push(`trace ${w.traceId}${w.spanId ? ` span ${w.spanId}` : ""}`);
  if (w.service || w.spanName) parts.push(`(${[w.service, w.spanName].filter(Boolean).join(" › ")})`);
  if (w.source)
    parts.push(
      `sent from ${w.source.file}${w.source.line !== undefined ? `:${w.source.line}` : w.source.offset !== undefined ? ` byte ${w.source.offset}` : ""}`,
    );
  return parts.join("  ");
}

export const pct = (x: number): string => `${Number((x * 100).toFixed(2))}%`;
