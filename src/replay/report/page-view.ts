import type { CollectorConfig } from "../../collector/config.js";
import { KEPT_BY_ATTRIBUTE } from "../../collector/run-args.js";
import type { CheckFamily } from "../checks/finding.js";
import type { ReceivedSpan } from "../checks/received.js";
import { RULES } from "../checks/rules.js";
import { pipelineDiagram, type PipelineDiagram } from "./diagram.js";
import type { ReplaySummary } from "./model.js";
import { shareChart, type ShareChart } from "./share-chart.js";
import { location, pct } from "./text.js";
import { flowWaterfalls, WITHHELD, type FlowWaterfalls } from "./waterfall.js";

/*
 * Everything the replay report page shows, as plain data computed from the replay: the page's
 * template only lays it out. Texts that came out of the collector (finding locations, span
 * names, services) pass the leak oracle first; one that holds a personal value is withheld.
 */

export interface ReportPageInput {
  summary: ReplaySummary;
  /** The config the collector ran. */
  config: CollectorConfig;
  /** The spans that reached the sink. */
  kept: readonly ReceivedSpan[];
  flows: readonly string[];
  flowAttribute: string;
  holdsPersonal: (text: string) => boolean;
}

export interface Fact {
  label: string;
  value: string;
}

export interface MustKeepCell {
  kept: number;
  total: number;
  /** Percent of `total` kept, for the bar's length; 0 when none was sent. */
  percent: number;
  text: string;
  ok: boolean;
  sent: boolean;
}

export interface MustKeepRow {
  flow: string;
  errors: MustKeepCell;
  overSla: MustKeepCell;
}

export interface RuleView {
  code: string;
  title: string;
  ok: boolean;
  findings: Array<{ message: string; location: string }>;
}

export interface FamilyView {
  family: CheckFamily;
  ok: boolean;
  findingCount: number;
  rules: RuleView[];
}

export interface ReportPage {
  title: string;
  environment: string;
  ok: boolean;
  verdict: string;
  facts: Fact[];
  diagram: PipelineDiagram;
  shares: ShareChart;
  confidence: string;
  mustKeep: MustKeepRow[];
  families: FamilyView[];
  waterfalls: FlowWaterfalls[];
}

const FAMILIES: readonly CheckFamily[] = ["leaks", "integrity", "sampling"];

export function reportPage(input: ReportPageInput): ReportPage {
  const { summary: s, holdsPersonal } = input;
  const { report } = s;
  const { counts } = report;
  const shown = (text: string) => (holdsPersonal(text) ? WITHHELD : text);
  const late = report.sampling.lateSpans;
  const facts: Fact[] = [
    { label: "sent", value: `${counts.tracesSent} traces, ${counts.spansSent} spans over ${s.transport.send}` },
    {
      label: "kept",
      value: `${counts.tracesKept} traces, ${counts.spansReceived} spans reached the sink (${s.transport.sink})`,
    },
    {
      label: "security",
      value: `${s.transport.tls ? "TLS" : "plaintext"}${s.transport.auth === "none" ? "" : `, auth ${s.transport.auth}`}`,
    },
    {
      label: "decision_wait",
      value: s.decisionWait.overridden
        ? `${s.decisionWait.used} in this replay (${s.decisionWait.configured} in the generated config)`
        : `${s.decisionWait.used}, as generated`,
    },
    { label: "speed", value: s.speed === "max" ? "as fast as the collector takes it" : `${s.speed}× fixture time` },
    { label: "send time", value: `${s.timing.sendMs} ms, ${s.timing.spansPerSecond} spans/s` },
    {
      label: "late spans",
      value: `${late.total} sent after their trace's decision; ${late.ofKeptTraces} of kept traces, ${late.arrived} arrived`,
    },
    {
      label: "leak oracle",
      value: `${report.searched.planted} planted values and ${report.searched.sent} values sent under removed or pseudonymized keys searched for`,
    },
    {
      label: KEPT_BY_ATTRIBUTE,
      value: `${report.sampling.keptBy.named} kept traces name their policy${report.sampling.keptBy.unnamed ? `; ${report.sampling.keptBy.unnamed} name none` : ""}`,
    },
    { label: "fixtures", value: s.fixtures.join(", ") },
  ];
  const families = FAMILIES.map((family): FamilyView => ({
    family,
    ok: report.families[family],
    findingCount: report.findingCounts[family],
    rules: Object.entries(RULES)
      .filter(([, rule]) => rule.family === family)
      .map(([code, rule]) => {
        const findings = report.findings
          .filter((f) => f.check === family && f.code === code)
          .map((f) => ({
            message: shown(f.message),
            location: f.where ? shown(location(f.where, s.receivedFile)) : "",
          }));
        return { code, title: rule.title, ok: findings.length === 0, findings };
      }),
  }));
  return {
    title: `tracegen replay ${s.environment}: ${report.ok ? "pass" : "fail"}`,
    environment: s.environment,
    ok: report.ok,
    verdict: report.ok
      ? "PASS: every check held"
      : `FAIL: ${FAMILIES.filter((f) => !report.families[f])
          .map((f) => `${report.findingCounts[f]} ${f} finding${report.findingCounts[f] === 1 ? "" : "s"}`)
          .join(", ")}`,
    facts,
    diagram: pipelineDiagram(input.config),
    shares: shareChart(report.sampling.rows),
    confidence: pct(report.confidence),
    mustKeep: report.sampling.rows.map((r) => ({
      flow: r.flow,
      errors: cell(r.errors),
      overSla: cell(r.overSla),
    })),
    families,
    waterfalls: flowWaterfalls(input.kept, input.flows, input.flowAttribute, holdsPersonal),
  };
}

function cell({ kept, total }: { kept: number; total: number }): MustKeepCell {
  return {
    kept,
    total,
    percent: total > 0 ? Math.round((kept / total) * 1000) / 10 : 0,
    text: total > 0 ? `${kept} of ${total}` : "none sent",
    ok: kept === total,
    sent: total > 0,
  };
}
