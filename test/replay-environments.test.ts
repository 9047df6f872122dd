import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPlanted } from "../src/traffic/planted.js";
import { readFixtureFile, type FixtureRequest } from "../src/traffic/read.js";
import { spanCount } from "../src/otlp/model.js";
import { resolveEnvironment } from "../src/resolve/resolve.js";
import type { ReplaySummary } from "../src/replay/report/model.js";
import { replay } from "../src/replay/replay.js";
import { synthModel } from "../src/traffic/synth/model.js";
import { synthesize } from "../src/traffic/synth/synth.js";
import { loadRepoDescription, repoPath, requireCollector } from "./helpers/repo.js";

/*
 * The proof the issue asks of CI: synthetic fixtures replayed through the real collector
 * running each environment of the reference description, and every check passing. Prod goes
 * through the CLI (exit code, JSON, JUnit, --received); the other two through the library,
 * staging sending over OTLP/HTTP. The three run side by side, on ports chosen at run time.
 */

const exec = promisify(execFile);
const BIN = repoPath("bin/tracegen.js");

describe.concurrent("replaying synthetic fixtures through the real collector", () => {
  let dir: string;
  let fixture: string;
  let fixtures: FixtureRequest[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "replay-envs-"));
    fixture = join(dir, "synth.jsonl");
    const { stdout } = await exec(
      "node",
      [BIN, "fixtures", "synth", "--seed", "11", "--traces", "600", "--rate", "150", "--out", fixture],
      { cwd: repoPath() },
    );
    expect(stdout).toMatch(/^wrote .*synth\.jsonl: 600 traces, \d+ spans/);
    expect(stdout).toMatch(/\nwrote .*synth\.jsonl\.planted\.json: \d+ personal values planted/);
    const read = await readFixtureFile(fixture);
    if (!read.ok) throw new Error("the synthesized fixture does not read back");
    fixtures = read.requests;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("passes in every environment of the reference description: dev, staging and prod, with real mTLS and bearer tokens where they ask", async () => {
    const collector = requireCollector();
    const { description } = await loadRepoDescription("tracing.yaml");
    const received = join(dir, "received.jsonl");
    const junit = join(dir, "replay.xml");
    const planted = (await readPlanted(fixture))!;
    const [prod, dev, staging] = await Promise.all([
      exec(
        "node",
        [
          BIN,
          "replay",
          "--env",
          "prod",
          "--fixtures",
          fixture,
          "--collector",
          collector,
          "--decision-wait",
          "2s",
          "--json",
          "--junit",
          junit,
          "--received",
          received,
        ],
        { cwd: repoPath(), maxBuffer: 64 * 1024 * 1024 },
      ).catch((error: { code: number; stdout: string; stderr: string }) => error),
      replay({
        env: resolveEnvironment(description, "dev"),
        fixtures,
        collector,
        speed: 1,
        confidence: 0.999,
        planted,
      }),
      replay({
        env: resolveEnvironment(description, "staging"),
        fixtures,
        collector,
        speed: 1,
        confidence: 0.999,
        protocol: "http",
        decisionWait: "2s",
        planted,
      }),
    ]);

    const summary = JSON.parse(prod.stdout) as ReplaySummary;
    expect(summary.report.findings).toEqual([]);
    // The CLI found the fixture's manifest next to it: the oracle searched for what was planted.
    expect(summary.report.searched.planted).toBeGreaterThan(1000);
    expect("code" in prod ? prod.code : 0, prod.stderr).toBe(0);
    expect(summary).toMatchObject({
      environment: "prod",
      ok: true,
      transport: { send: "OTLP/gRPC", sink: "OTLP/gRPC", tls: true, auth: "bearer_token" },
      decisionWait: { configured: "30s", used: "2s", overridden: true },
      confidence: 0.999,
    });
    for (const row of summary.report.sampling.rows) {
      expect(row.ok, row.flow).toBe(true);
      if (row.flow !== "(no flow)") expect(row.ordinary.total, row.flow).toBeGreaterThan(50);
    }
    expect(summary.report.sampling.lateSpans.ofKeptTraces).toBeGreaterThan(0);
    expect(summary.report.sampling.lateSpans.arrived).toBe(summary.report.sampling.lateSpans.ofKeptTraces);
    // Every kept trace says which policy kept it, and that policy is the one its class calls for.
    expect(summary.report.sampling.keptBy.unnamed).toBe(0);
    expect(summary.report.sampling.keptBy.named).toBeGreaterThan(100);
    const xml = await readFile(junit, "utf8");
    expect(xml).toMatch(/<testsuites name="tracegen replay" tests="\d+" failures="0"/);
    expect(xml).toContain('name="every error trace is kept"');
    const back = await readFixtureFile(received);
    expect(back.ok && spanCount(back.requests.map((r) => r.request))).toBe(summary.report.counts.spansReceived);

    expect(dev.report.findings).toEqual([]);
    expect(dev.report.counts.tracesKept).toBe(dev.report.counts.tracesSent);
    expect(dev.record.decisionWait).toEqual({ configured: "5s", used: "5s" });
    expect(dev.record.tls).toBe(false);

    expect(staging.report.findings).toEqual([]);
    expect(staging.report.sampling.keptBy).toMatchObject({ unnamed: 0 });
    expect(dev.report.sampling.keptBy).toMatchObject({ unnamed: 0 });
    expect(staging.record).toMatchObject({ protocol: "http", tls: true, auth: "bearer_token" });
    expect(staging.report.counts.tracesKept).toBeLessThan(staging.report.counts.tracesSent);
  }, 180_000);

  it("passes for another description: the payments example's sandbox, TLS without client certificates and Jaeger over OTLP/HTTP", async () => {
    const collector = requireCollector();
    const { description } = await loadRepoDescription("examples/payments.tracing.yaml");
    const sandbox = resolveEnvironment(description, "sandbox");
    const model = synthModel([sandbox]);
    const synth = synthesize(model, { seed: 2, traces: 500, rate: 150 });
    const { record, report } = await replay({
      env: sandbox,
      fixtures: synth.requests.map((request) => ({ request, file: "payments", line: 1 })),
      planted: synth.planted,
      collector,
      speed: 1,
      confidence: 0.999,
      decisionWait: "2s",
    });
    expect(report.findings).toEqual([]);
    expect(report.searched.planted).toBeGreaterThan(1000);
    expect(record).toMatchObject({ sinkProtocol: "http", tls: true, auth: "bearer_token" });
    expect(report.sampling.rows.map((r) => r.flow)).toEqual([
      "payment-authorization",
      "refund",
      "chargeback",
      "nightly-settlement",
      "(no flow)",
    ]);
  }, 180_000);
});
