import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { synthModel } from "../src/traffic/synth/model.js";
import { synthesize } from "../src/traffic/synth/synth.js";
import { toFramedProtobuf, toJsonLines } from "../src/traffic/write.js";
import { resolveEnvironment, type ResolvedEnvironment } from "../src/resolve/resolve.js";
import { CollectorFailure } from "../src/collector/runtime/process.js";
import { replay } from "../src/replay/replay.js";
import { ReplayFailure } from "../src/replay/run.js";
import type { FixtureRequest } from "../src/traffic/read.js";
import { loadRepoDescription, repoPath, requireCollector } from "./helpers/repo.js";

const exec = promisify(execFile);
const BIN = repoPath("bin/tracegen.js");

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec("node", [BIN, ...args], { cwd: repoPath() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
let dev: ResolvedEnvironment;
let good: TraceRequestsFile;
type TraceRequestsFile = { path: string; requests: FixtureRequest[] };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "replay-bad-"));
  const { description } = await loadRepoDescription("tracing.yaml");
  dev = resolveEnvironment(description, "dev");
  const requests = synthesize(synthModel([dev]), { seed: 3, traces: 40, rate: 20 }).requests;
  good = {
    path: join(dir, "good.jsonl"),
    requests: requests.map((request) => ({ request, file: "good.jsonl", line: 1 })),
  };
  await writeFile(good.path, toJsonLines(requests));
  const lines = toJsonLines(requests.slice(0, 3)).split("\n");
  lines[1] = lines[1]!.replace(/"spanId":"([0-9a-f]{16})"/, (_, id: string) => `"spanId":"${id.slice(0, 14)}"`);
  await writeFile(join(dir, "bad-id.jsonl"), lines.join("\n"));
  await writeFile(join(dir, "bad-json.jsonl"), '{"resourceSpans": [}\n');
  await writeFile(join(dir, "empty.jsonl"), "");
  const proto = toFramedProtobuf(requests.slice(0, 2));
  await writeFile(join(dir, "truncated.pb"), proto.subarray(0, proto.length - 7));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("replay refuses bad input before anything runs", () => {
  it("reports every malformed fixture with its file and line or byte offset, and sends nothing", async () => {
    // The collector path does not exist: reaching it would be a usage error (exit 2), so exit 1 proves nothing started.
    const r = await cli([
      "replay",
      "--env",
      "dev",
      "--fixtures",
      join(dir, "*.{jsonl,pb}"),
      "--collector",
      join(dir, "no-such-collector"),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(dir, "bad-id.jsonl")}:2: resourceSpans[`);
    expect(r.stderr).toMatch(/bad-id\.jsonl:2: .*spanId: expected 16 hex characters \(8 bytes\), found 14 characters/);
    expect(r.stderr).toContain(`${join(dir, "bad-json.jsonl")}:1:20: malformed JSON: unexpected \`}\``);
    expect(r.stderr).toContain(`${join(dir, "empty.jsonl")}:1: the file is empty`);
    expect(r.stderr).toMatch(/truncated\.pb \(byte \d+\): .*this is not an OTLP ExportTraceServiceRequest/);
    expect(r.stderr).toContain("4 fixture files are malformed; nothing was sent");
    expect(r.stdout).toBe("");
  });

  it.each([
    [["--speed", "0"], "--speed must be a positive number or `max`"],
    [["--decision-wait", "500ms"], "--decision-wait must be at least 1s"],
    [["--protocol", "udp"], "--protocol must be grpc or http"],
    [["--confidence", "2"], "--confidence must be between 0 and 1"],
  ])("exits 2 on a usage error: %s", async (extra, message) => {
    const r = await cli(["replay", "--env", "dev", "--fixtures", good.path, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it("refuses an environment whose senders authenticate with OIDC, which a replay cannot stand in for", async () => {
    const { description } = await loadRepoDescription("examples/payments.tracing.yaml");
    const error = await replay({
      env: resolveEnvironment(description, "prod"),
      fixtures: good.requests,
      collector: join(dir, "never-started"),
      speed: 1,
      confidence: 0.999,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReplayFailure);
    expect((error as Error).message).toBe(
      "environment prod authenticates senders with OIDC; a replay can stand in for bearer-token auth only",
    );
  });

  it("exits 2 when no file matches a fixture glob", async () => {
    const r = await cli(["replay", "--env", "dev", "--fixtures", join(dir, "none-*.jsonl")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no fixture file matches");
  });
});

describe("replay fails with the collector's own words when the collector does", () => {
  it("when it cannot start: its last log lines say why", async () => {
    const attempt = replay({
      env: dev,
      fixtures: good.requests,
      collector: requireCollector(),
      speed: 1,
      confidence: 0.999,
      tamper: (c) => {
        (c.processors["masking"] as Record<string, unknown>)["no_such_key"] = true;
      },
    });
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CollectorFailure);
    expect((error as CollectorFailure).message).toMatch(/^the collector exited \(code 1\) before it was ready/);
    expect((error as CollectorFailure).logTail.join("\n")).toContain("no_such_key");
  }, 60_000);

  it("when it exits during the run: the replay fails instead of judging half a run", async () => {
    const error = await replay({
      env: dev,
      fixtures: good.requests,
      collector: requireCollector(),
      speed: 1,
      confidence: 0.999,
      onProgress: (p) => {
        if (p.phase === "running") setTimeout(() => process.kill(p.pid, "SIGKILL"), 300);
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CollectorFailure);
    expect((error as CollectorFailure).message).toMatch(/^the collector exited \(SIGKILL\) during the replay/);
    expect((error as CollectorFailure).logTail.length).toBeGreaterThan(0);
  }, 60_000);
});
