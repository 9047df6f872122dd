import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFixtureFile } from "../src/traffic/read.js";
import { kv, newSpan, type TraceRequest } from "../src/otlp/model.js";
import { createSender } from "../src/replay/sender.js";
import { repoPath } from "./helpers/repo.js";

/* `tracegen record` as users run it: the CLI process, real OTLP over gRPC and HTTP into it. */

const BIN = repoPath("bin/tracegen.js");

let dir: string;
const started: ChildProcess[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "shop-record-"));
});
afterAll(async () => {
  // A test that failed half-way leaves its recorder waiting for spans that never come.
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  stderr: () => string;
  exited: Promise<number | null>;
  endpoints: Promise<{ grpc: string; http: string }>;
}

function record(...args: string[]): Run {
  const child = spawn(process.execPath, [BIN, "record", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  started.push(child);
  let stderr = "";
  let announce: (e: { grpc: string; http: string }) => void = () => undefined;
  const endpoints = new Promise<{ grpc: string; http: string }>((resolve) => (announce = resolve));
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    const m = /OTLP\/gRPC on (\S+), OTLP\/HTTP on http:\/\/([^/]+)\/v1\/traces/.exec(stderr);
    if (m) announce({ grpc: m[1]!, http: m[2]! });
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { stderr: () => stderr, exited, endpoints };
}

const request = (service: string, spanId: string): TraceRequest => ({
  resourceSpans: [
    {
      resource: { attributes: [kv("service.name", service)], droppedAttributesCount: 0 },
      schemaUrl: "",
      scopeSpans: [
        {
          scope: { name: "test", version: "", attributes: [], droppedAttributesCount: 0 },
          schemaUrl: "",
          spans: [
            newSpan({
              traceId: "5b8efff798038103d269b633813fc60c",
              spanId,
              name: "POST /api/orders",
              kind: 2,
              startTimeUnixNano: 1_700_000_000_000_000_000n,
              endTimeUnixNano: 1_700_000_000_100_000_000n,
              attributes: [kv("user.email", "ada.lovelace@example.com")],
            }),
          ],
        },
      ],
    },
  ],
});

describe("tracegen record", () => {
  it("records what arrives over OTLP/gRPC and OTLP/HTTP, in arrival order, unmasked, and stops at --spans", async () => {
    const out = join(dir, "recorded.jsonl");
    const run = record("--out", out, "--spans", "2");
    const { grpc, http } = await run.endpoints;
    const viaGrpc = createSender({ protocol: "grpc", endpoint: grpc });
    expect((await viaGrpc.send(request("shop-api", "eee19b7ec3c1b174"), 1)).ok).toBe(true);
    viaGrpc.close();
    expect(
      (await createSender({ protocol: "http", endpoint: http }).send(request("crm-api", "aaa19b7ec3c1b175"), 1)).ok,
    ).toBe(true);
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.stderr()).toContain("wrote 2 requests, 2 spans");
    const read = await readFixtureFile(out);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    const spans = read.requests.map((r) => r.request.resourceSpans[0]!.scopeSpans[0]!.spans[0]!);
    expect(spans.map((s) => s.spanId)).toEqual(["eee19b7ec3c1b174", "aaa19b7ec3c1b175"]);
    expect(spans[0]!.attributes).toEqual([kv("user.email", "ada.lovelace@example.com")]);
  });

  it("writes no file and exits 1 when nothing arrived before --duration ran out", async () => {
    const out = join(dir, "empty.jsonl");
    const run = record("--out", out, "--duration", "1s");
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain("nothing arrived; no file written");
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a malformed --duration or --spans with exit code 2", async () => {
    const bad = record("--out", join(dir, "x.jsonl"), "--duration", "soon");
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain("--duration must be a duration like 30s or 5m; found `soon`");
    const zero = record("--out", join(dir, "x.jsonl"), "--spans", "0");
    expect(await zero.exited).toBe(2);
  });
});
