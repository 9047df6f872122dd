import type { ResolvedEnvironment } from "../../resolve/resolve.js";
import { renderTemplate } from "../../emit/templates.js";
import { receivedSpans } from "../checks/received.js";
import type { ReplayRecord } from "../run.js";
import type { ReplaySummary } from "./model.js";
import { reportPage } from "./page-view.js";

/**
 * The replay report as one self-contained HTML page: styles and drawings inline, nothing
 * fetched. `holdsPersonal` is the replay's leak oracle (see `replay`).
 */
export function renderReportPage(
  summary: ReplaySummary,
  record: ReplayRecord,
  env: ResolvedEnvironment,
  holdsPersonal: (text: string) => boolean,
): string {
  return renderTemplate(
    "replay-report.html.hbs",
    reportPage({
      summary,
      config: record.config,
      kept: receivedSpans(record.received.map((r) => r.request)),
      flows: Object.keys(env.pipeline.flows),
      flowAttribute: env.pipeline.system.flow_attribute,
      holdsPersonal,
    }),
  );
}
