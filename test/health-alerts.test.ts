import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { alertingRules } from "../src/health/alerts.js";
import { recordingRules } from "../src/health/recording.js";
import { resolveEnvironment } from "../src/resolve/resolve.js";
import type { Description } from "../src/schema/description.js";
import { loadRepoDescription } from "./helpers/repo.js";

/*
 * The alerting logic over hours of synthetic series, in promtool's rule unit tests: Prometheus's own
 * evaluator, on a virtual clock. The series are named and labelled as otelcol-shop exposes them.
 */

const shop = (await loadRepoDescription("tracing.yaml")).description;

/** The dev environment's rules, with the upload flow's `alerts` set as the description would set them. */
function rulesWith(alerts: Record<string, string> = {}): string {
  const description: Description = structuredClone(shop);
  const upload = description.flows["order-upload"];
  if (!upload) throw new Error("tracing.yaml has no order-upload flow");
  upload.alerts = alerts;
  const { pipeline } = resolveEnvironment(description, "dev");
  return stringify({ groups: [recordingRules(pipeline), alertingRules(pipeline)] });
}

interface Series {
  series: string;
  values: string;
}

const UPLOAD = 'order_flow="order-upload"';
const series = (metric: string, labels: string, values: string): Series => ({ series: `${metric}{${labels}}`, values });

/** The alerts in ALERTS at a moment, by their labels: what Prometheus would send to Alertmanager. */
const alerts = (alertname: string, evalTime: string, firing: Array<Record<string, string>>) => ({
  expr: `ALERTS{alertname="${alertname}"}`,
  eval_time: evalTime,
  exp_samples: firing.map((labels) => ({
    labels: `ALERTS{${Object.entries({ alertname, ...labels })
      .map(([k, v]) => `${k}="${v}"`)
      .join(",")}}`,
    value: 1,
  })),
});

async function promtoolTest(rules: string, input: Series[], checks: Array<ReturnType<typeof alerts>>) {
  const dir = await mkdtemp(join(tmpdir(), "health-alerts-"));
  try {
    await writeFile(join(dir, "rules.yaml"), rules);
    await writeFile(
      join(dir, "test.yaml"),
      stringify({
        rule_files: ["rules.yaml"],
        evaluation_interval: "1m",
        tests: [{ interval: "1m", input_series: input, promql_expr_test: checks }],
      }),
    );
    const run = spawnSync("promtool", ["test", "rules", join(dir, "test.yaml")], { encoding: "utf8" });
    if (run.error) throw new Error(`promtool is missing (install Debian's prometheus package): ${run.error.message}`);
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/*
 * Seconds spent per minute in the upload flow's hops: the browser 60, the Shop API 50, 3D storage
 * 10 until minute 90, then 100. 3D storage's share goes from 8 % to 48 % of the flow's time.
 */
const shareJump: Series[] = [
  series(
    "traces_span_metrics_duration_seconds_sum",
    `${UPLOAD},service_name="internet-shop",span_kind="SPAN_KIND_CLIENT"`,
    "0+60x180",
  ),
  series(
    "traces_span_metrics_duration_seconds_sum",
    `${UPLOAD},service_name="shop-api",span_kind="SPAN_KIND_SERVER"`,
    "0+50x180",
  ),
  series(
    "traces_span_metrics_duration_seconds_sum",
    `${UPLOAD},service_name="3d-storage",span_kind="SPAN_KIND_SERVER"`,
    "0+10x90 1000+100x89",
  ),
];
const storageHop = {
  order_flow: "order-upload",
  hop: "3d-storage",
  hop_index: "3",
  severity: "warning",
  system: "shop3d",
};

/** The browser's requests: 2 of every 10 take between 5 s and 10 s, so p95 is over the 5 s SLA from the start. */
const slowUploads: Series[] = [
  ["1", "0+5x30"],
  ["5", "0+8x30"],
  ["10", "0+10x30"],
  ["+Inf", "0+10x30"],
].map(([le, values]) =>
  series(
    "traces_span_metrics_duration_seconds_bucket",
    `${UPLOAD},service_name="internet-shop",span_kind="SPAN_KIND_CLIENT",le="${le}"`,
    values as string,
  ),
);

/** 2 of every 10 of the browser's requests fail. */
const failingUploads: Series[] = [
  ["STATUS_CODE_ERROR", "0+2x30"],
  ["STATUS_CODE_UNSET", "0+8x30"],
].map(([status, values]) =>
  series(
    "traces_span_metrics_calls_total",
    `${UPLOAD},service_name="internet-shop",span_kind="SPAN_KIND_CLIENT",status_code="${status}"`,
    values as string,
  ),
);

const critical = { order_flow: "order-upload", severity: "critical", system: "shop3d", alertstate: "firing" };

describe("alerting rules on promtool's virtual clock", () => {
  it("fire FlowHopTimeShareJump for the hop whose share of its flow's time jumps over 20 points, and for no other hop", async () => {
    const run = await promtoolTest(rulesWith(), shareJump, [
      alerts("FlowHopTimeShareJump", "80m", []),
      alerts("FlowHopTimeShareJump", "100m", [{ ...storageHop, alertstate: "firing" }]),
    ]);
    expect(run.status, run.output).toBe(0);
  });

  it("stop FlowHopTimeShareJump once the new share has become the hour's average", async () => {
    const run = await promtoolTest(rulesWith(), shareJump, [alerts("FlowHopTimeShareJump", "170m", [])]);
    expect(run.status, run.output).toBe(0);
  });

  it("take the jump threshold from the description: under hop_share_jump 50% the same jump of about 37 points stays quiet", async () => {
    const run = await promtoolTest(rulesWith({ hop_share_jump: "50%" }), shareJump, [
      alerts("FlowHopTimeShareJump", "100m", []),
    ]);
    expect(run.status, run.output).toBe(0);
  });

  it("hold FlowOverSla pending for the default 5 minutes before it fires", async () => {
    const run = await promtoolTest(rulesWith(), slowUploads, [
      alerts("FlowOverSla", "4m", [{ ...critical, alertstate: "pending", quantile: "0.95" }]),
      alerts("FlowOverSla", "8m", [{ ...critical, quantile: "0.95" }]),
    ]);
    expect(run.status, run.output).toBe(0);
  });

  it("take the pending period from the description: with for 0s FlowOverSla fires at once", async () => {
    const run = await promtoolTest(rulesWith({ for: "0s" }), slowUploads, [
      alerts("FlowOverSla", "2m", [{ ...critical, quantile: "0.95" }]),
    ]);
    expect(run.status, run.output).toBe(0);
  });

  it("fire FlowErrorRatioHigh for 20% failing orders under the default 5% threshold, not under the description's 30%", async () => {
    const byDefault = await promtoolTest(rulesWith(), failingUploads, [
      alerts("FlowErrorRatioHigh", "10m", [critical]),
    ]);
    expect(byDefault.status, byDefault.output).toBe(0);
    const raised = await promtoolTest(rulesWith({ error_ratio: "30%" }), failingUploads, [
      alerts("FlowErrorRatioHigh", "10m", []),
    ]);
    expect(raised.status, raised.output).toBe(0);
  });
});
