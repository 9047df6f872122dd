import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attribute, SpanKind, stringAttribute, type Span } from "../src/otlp/model.js";
import { startSink, type Sink } from "../src/replay/sink.js";
import { repoPath } from "./helpers/repo.js";

/*
 * The kit's HTTP instrumentation in a real process (shop/probes/kit-http-probe.ts), called by curl with
 * the headers a stranger could send, exporting OTLP/gRPC to a sink that decodes what arrives.
 */

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";

let sink: Sink;
let probe: ChildProcess;
let base: string;
let spans: Span[];

const curl = (...args: string[]) =>
  promisify(execFile)("curl", ["--silent", "--show-error", "--max-time", "10", "--output", "/dev/null", ...args], {
    timeout: 15_000,
  });

beforeAll(async () => {
  sink = await startSink("grpc", undefined);
  probe = spawn(process.execPath, ["--import", "tsx", repoPath("shop/probes/kit-http-probe.ts")], {
    cwd: repoPath(),
    env: { PATH: process.env.PATH, OTEL_EXPORTER_OTLP_ENDPOINT: `http://${sink.endpoint}` },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const [line] = (await Promise.race([
    once(createInterface({ input: probe.stdout! }), "line"),
    new Promise((_, reject) => setTimeout(() => reject(new Error("the probe did not start within 30 s")), 30_000)),
  ])) as [string];
  base = `http://localhost:${line.split(" ")[1]}`;
  // One curl, one kept-alive connection: a traced request, an ignored one, then one without any trace context.
  await curl(
    "-H",
    `traceparent: 00-${TRACE_ID}-${PARENT_ID}-01`,
    "-H",
    "baggage: order.id=ord-1,order.flow=order-upload",
    "-H",
    "x-forwarded-for: 203.0.113.7, 10.0.0.1",
    `${base}/hello?file=a.stl`,
    "--next",
    `${base}/healthz`,
    "--next",
    `${base}/hello`,
  );
  // What a stranger may send instead of trace context.
  await curl("-H", "traceparent: 00-zz-not-a-trace-id-01", "-H", `baggage: ${"k=v,".repeat(2_500)}`, `${base}/inner`);
  await curl("-H", "x-forwarded-for: <script>", "-H", "host: evil host:99999", `${base}/inner`);
  await curl("-X", "PROPFIND", `${base}/other`);
  await curl(`${base}/fail`);
  await curl(`${base}/down`);
  probe.stdin!.end();
  await Promise.race([once(probe, "exit"), new Promise((r) => setTimeout(r, 20_000))]);
  spans = sink.received.flatMap((r) =>
    r.request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)),
  );
}, 90_000);

afterAll(async () => {
  probe?.kill();
  await sink?.close();
});

const servers = (path: string) =>
  spans.filter((s) => s.kind === SpanKind.SERVER && stringAttribute(s.attributes, "url.path") === path);

describe("the kit's HTTP instrumentation", () => {
  it("continues the caller's trace, names the span by its route and carries the baggage onto it", () => {
    const [hello] = servers("/hello").filter((s) => s.traceId === TRACE_ID);
    expect(hello?.parentSpanId).toBe(PARENT_ID);
    expect(hello?.name).toBe("GET /hello");
    expect(stringAttribute(hello!.attributes, "http.route")).toBe("/hello");
    expect(stringAttribute(hello!.attributes, "http.request.method")).toBe("GET");
    expect(attribute(hello!.attributes, "http.response.status_code")).toEqual({ type: "int", value: 200n });
    expect(stringAttribute(hello!.attributes, "url.query")).toBe("file=a.stl");
    expect(stringAttribute(hello!.attributes, "client.address")).toBe("203.0.113.7");
    expect(stringAttribute(hello!.attributes, "network.peer.address")).toBe("127.0.0.1");
    expect(stringAttribute(hello!.attributes, "server.address")).toBe("localhost");
    expect(stringAttribute(hello!.attributes, "order.id")).toBe("ord-1");
  });

  it("makes a client span for the call made while handling, parent of the callee's server span", () => {
    const [hello] = servers("/hello").filter((s) => s.traceId === TRACE_ID);
    const client = spans.find((s) => s.kind === SpanKind.CLIENT && s.parentSpanId === hello?.spanId);
    expect(client?.name).toBe("GET");
    expect(stringAttribute(client!.attributes, "url.full")).toBe(`${base}/inner`);
    expect(attribute(client!.attributes, "http.response.status_code")).toEqual({ type: "int", value: 200n });
    expect(stringAttribute(client!.attributes, "order.id")).toBe("ord-1");
    const inner = servers("/inner").find((s) => s.parentSpanId === client?.spanId);
    expect(inner?.traceId).toBe(TRACE_ID);
  });

  it("traces nothing of an ignored path, not even the calls it makes, and the next request on the connection starts its own trace", () => {
    expect(servers("/healthz")).toEqual([]);
    expect(spans.filter((s) => s.traceId === TRACE_ID)).toHaveLength(3);
    const fresh = servers("/hello").filter((s) => s.traceId !== TRACE_ID);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]?.parentSpanId).toBe("");
  });

  it("starts a new trace when traceparent is garbage, drops baggage over the limit, and ignores a forged address or host", () => {
    // The two strangers' requests, and the call the ignored /healthz made (its callee cannot know).
    const inner = servers("/inner").filter((s) => s.parentSpanId === "");
    expect(inner).toHaveLength(3);
    for (const span of inner) {
      expect(stringAttribute(span.attributes, "client.address")).toBe("127.0.0.1");
      expect(span.attributes.map((a) => a.key)).not.toContain("order.id");
    }
    const forged = inner.find((s) => stringAttribute(s.attributes, "server.address") === undefined);
    expect(forged).toBeDefined();
  });

  it("records a method the conventions do not know as _OTHER, so a client cannot make new metric series", () => {
    const [other] = servers("/other");
    expect(other?.name).toBe("_OTHER");
    expect(stringAttribute(other!.attributes, "http.request.method")).toBe("_OTHER");
    expect(stringAttribute(other!.attributes, "http.request.method_original")).toBe("PROPFIND");
  });

  it("marks a 5xx answer as an error with the reason the handler gave, and a failed call with its cause", () => {
    const [fail] = servers("/fail");
    expect(fail?.status).toMatchObject({ code: 2, message: "the probe failed on purpose" });
    expect(stringAttribute(fail!.attributes, "error.type")).toBe("500");
    const refused = spans.find((s) => s.kind === SpanKind.CLIENT && s.status.code === 2);
    expect(stringAttribute(refused!.attributes, "error.type")).toBe("ECONNREFUSED");
    expect(servers("/down")[0]?.spanId).toBe(refused?.parentSpanId);
  });
});
