import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parseFixture, readFixtureFile } from "../src/traffic/read.js";
import { toFramedProtobuf, toJsonLines, writeFixtureFile } from "../src/traffic/write.js";
import { kv, newSpan, type TraceRequest } from "../src/otlp/model.js";
import { encodeProtoRequest } from "../src/otlp/protobuf.js";
import { formatProblem } from "../src/otlp/problem.js";
import { deeplyNestedRequest } from "../src/otlp/hostile-requests.js";

const span = (traceId: string, spanId: string) =>
  newSpan({
    traceId,
    spanId,
    name: "GET /",
    kind: 2,
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2n,
    attributes: [kv("a", "b")],
  });
const req = (n: number): TraceRequest => ({
  resourceSpans: [
    {
      resource: { attributes: [kv("service.name", "svc")], droppedAttributesCount: 0 },
      schemaUrl: "",
      scopeSpans: [
        {
          scope: { name: "", version: "", attributes: [], droppedAttributesCount: 0 },
          schemaUrl: "",
          spans: [span(`${String(n).padStart(2, "0")}${"1".repeat(30)}`, "2".repeat(16))],
        },
      ],
    },
  ],
});
const bytes = (s: string) => new TextEncoder().encode(s);

describe("reading fixtures", () => {
  it("reads OTLP/JSON lines, skipping blank lines and remembering each request's line", () => {
    const text = `${toJsonLines([req(1)])}\n${toJsonLines([req(2)])}`;
    const result = parseFixture("a.jsonl", bytes(text));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.requests.map((r) => r.line)).toEqual([1, 3]);
  });

  it("reads a collector file exporter's length-prefixed protobuf and a bare protobuf message", () => {
    const framed = parseFixture("a.pb", toFramedProtobuf([req(1), req(2)]));
    expect(framed.ok && framed.requests.length).toBe(2);
    const bare = parseFixture("a.pb", encodeProtoRequest(req(3)));
    expect(bare.ok && bare.requests.length).toBe(1);
    expect(bare.ok && bare.requests[0]!.request).toEqual(req(3));
  });

  it("reads gzip-compressed fixtures and a single pretty-printed OTLP/JSON document", () => {
    expect(parseFixture("a.jsonl.gz", gzipSync(toJsonLines([req(1)]))).ok).toBe(true);
    const pretty = JSON.stringify(JSON.parse(toJsonLines([req(1)])), null, 2);
    expect(parseFixture("body.json", bytes(pretty)).ok).toBe(true);
  });

  it("reports malformed JSON with its line and column", () => {
    const text = `${toJsonLines([req(1)])}{"resourceSpans": [}\n`;
    const result = parseFixture("bad.jsonl", bytes(text));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatchObject({ file: "bad.jsonl", line: 2, col: 20 });
      expect(formatProblem(result.problems[0]!)).toBe("bad.jsonl:2:20: malformed JSON: unexpected `}`");
    }
  });

  it("reports malformed JSON nested a hundred thousand deep with its column, instead of overflowing the stack", () => {
    const depth = 100_000;
    const text = `${toJsonLines([req(1)])}${'{"a":['.repeat(depth)}1]}]x\n`;
    const result = parseFixture("deep.jsonl", bytes(text));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(formatProblem(result.problems[0]!)).toBe(
        `deep.jsonl:2:${depth * 6 + 5}: malformed JSON: expected \`,\` or \`}\`, found \`x\``,
      );
  });

  it("refuses a protobuf request whose attribute nests a hundred thousand lists deep, at its offset, instead of overflowing the stack", () => {
    const result = parseFixture("deep.pb", deeplyNestedRequest(100_000, "kvlist", 1n));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(formatProblem(result.problems[0]!)).toMatch(
        /^deep\.pb \(byte \d+\): resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.attributes\[0\]\.value\.kvlistValue[^ ]{0,130}…: messages nest deeper than 1600 levels; this is not an OTLP ExportTraceServiceRequest$/,
      );
  });

  it("reports a bad id length with its line and the path inside the request", () => {
    const good = toJsonLines([req(1)]).trim();
    const bad = good.replace("2222222222222222", "22222222222222");
    const result = parseFixture("ids.jsonl", bytes(`${good}\n${bad}\n`));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(formatProblem(result.problems[0]!)).toBe(
        "ids.jsonl:2: resourceSpans[0].scopeSpans[0].spans[0].spanId: expected 16 hex characters (8 bytes), found 14 characters `22222222222222`",
      );
  });

  it("reports an empty file", () => {
    const result = parseFixture("empty.jsonl", bytes("\n  \n"));
    expect(!result.ok && formatProblem(result.problems[0]!)).toBe(
      "empty.jsonl:1: the file is empty; expected OTLP/JSON lines or OTLP protobuf",
    );
    expect(parseFixture("empty.pb", new Uint8Array()).ok).toBe(false);
  });

  it("reports protobuf that does not decode with its byte offset", () => {
    const framed = toFramedProtobuf([req(1), req(2)]);
    const broken = framed.slice();
    // Corrupt the second message's first tag into wire type 7, which does not exist.
    const second = 4 + encodeProtoRequest(req(1)).length + 4;
    broken[second] = 0x0f;
    const result = parseFixture("bad.pb", broken);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems[0]!.offset).toBe(second);
      expect(formatProblem(result.problems[0]!)).toBe(
        `bad.pb (byte ${second}): resourceSpans[0]: wrong wire type 7 (expected 2); this is not an OTLP ExportTraceServiceRequest`,
      );
    }
  });

  it("reports text that is neither JSON nor protobuf", () => {
    const result = parseFixture("notes.txt", bytes("hello world, these are not spans"));
    expect(result.ok).toBe(false);
  });

  it("writes fixtures atomically in the format the extension names and reads them back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fixtures-"));
    for (const name of ["x.jsonl", "x.pb"]) {
      await writeFixtureFile(join(dir, name), [req(1), req(2)]);
      const back = await readFixtureFile(join(dir, name));
      expect(back.ok && back.requests.map((r) => r.request)).toEqual([req(1), req(2)]);
    }
    await writeFile(join(dir, "missing-dir-check"), "");
    const missing = await readFixtureFile(join(dir, "nope.jsonl"));
    expect(!missing.ok && missing.problems[0]!.message).toMatch(/cannot read/);
  });
});
