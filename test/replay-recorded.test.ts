import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFixtureFile } from "../src/traffic/read.js";
import { synthModel } from "../src/traffic/synth/model.js";
import { synthesize } from "../src/traffic/synth/synth.js";
import { resolveEnvironment } from "../src/resolve/resolve.js";
import { replay } from "../src/replay/replay.js";
import { loadRepoDescription, requireCollector } from "./helpers/repo.js";

/*
 * "A fixture recorded by any collector must replay as-is": the collector's own file
 * exporter records what it keeps, in both of its encodings, and those recordings are read
 * back span for span and replayed through another environment, where every check passes
 * (the data is masked already; masking it again must change nothing).
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "replay-recorded-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const spanIds = (requests: { request: { resourceSpans: { scopeSpans: { spans: { spanId: string }[] }[] }[] } }[]) =>
  requests
    .flatMap((r) =>
      r.request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.spanId))),
    )
    .sort();

describe("fixtures recorded by a collector's file exporter", () => {
  it("read back span for span in both encodings, and replay as-is", async () => {
    const collector = requireCollector();
    const { description } = await loadRepoDescription("tracing.yaml");
    const dev = resolveEnvironment(description, "dev");
    // The manifest tells integrity which dropped keys held a planted value (`x-eyJ...`, `app.callback.198.18...`).
    const { requests, planted } = synthesize(synthModel([dev]), { seed: 8, traces: 150, rate: 100 });
    const recorded = { json: join(dir, "recorded.jsonl"), proto: join(dir, "recorded.pb") };
    const first = await replay({
      env: dev,
      fixtures: requests.map((request) => ({ request, file: "synth", line: 1 })),
      planted,
      collector,
      speed: 1,
      confidence: 0.999,
      decisionWait: "1s",
      tamper: (c) => {
        c.exporters["file/json"] = { path: recorded.json, format: "json" };
        c.exporters["file/proto"] = { path: recorded.proto, format: "proto" };
        c.service.pipelines["traces/sampled"]!.exporters.push("file/json", "file/proto");
      },
    });
    expect(first.report.findings).toEqual([]);
    const arrived = first.record.received.map((r) => ({ request: r.request }));

    const json = await readFixtureFile(recorded.json);
    const proto = await readFixtureFile(recorded.proto);
    if (!json.ok || !proto.ok) throw new Error(JSON.stringify([json, proto]));
    expect(json.format).toBe("jsonl");
    expect(proto.format).toBe("protobuf");
    expect(spanIds(json.requests)).toEqual(spanIds(arrived));
    expect(spanIds(proto.requests)).toEqual(spanIds(arrived));
    expect(proto.requests.map((r) => r.request)).toEqual(json.requests.map((r) => r.request));

    const again = await replay({
      env: resolveEnvironment(description, "staging"),
      fixtures: proto.requests,
      collector,
      speed: 1,
      confidence: 0.999,
      decisionWait: "2s",
    });
    expect(again.report.findings).toEqual([]);
    expect(again.report.counts.spansSent).toBe(spanIds(arrived).length);
  }, 120_000);
});
