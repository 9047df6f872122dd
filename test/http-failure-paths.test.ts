import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import nock from "nock";
import { otlpTraceTypes } from "../src/otlp/otlp-proto.js";
import { EMPTY_EXPORT_RESPONSE } from "../src/otlp/protobuf.js";
import { resolveEnvironment } from "../src/resolve/resolve.js";
import { checkReplay } from "../src/replay/checks/index.js";
import { scrape } from "../src/replay/prometheus.js";
import { createSender, DEFAULT_RETRY, retryAfter, sendWithRetry, type Sender } from "../src/replay/sender.js";
import { getTrace, searchTraces, waitForTrace } from "../shop/driver/jaeger.js";
import { loadRepoDescription } from "./helpers/repo.js";
import { record, request, span } from "./replay-helpers.js";

/*
 * What a real collector, Jaeger or metrics endpoint rarely answers, played at the HTTP layer with nock:
 * the replay sender against OTLP/HTTP push-back and partial success, the shop's Jaeger reader against
 * errors and silence, the metrics scrape against a failing endpoint. The real-server tests stay as they are.
 */

const OTLP = "127.0.0.1:4318";
const JAEGER = "http://jaeger.test:16686";
const METRICS = "127.0.0.1:8889";

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, "every answer prepared was asked for").toEqual([]);
});
afterAll(() => nock.enableNetConnect());

const oneSpan = () => request([{ span: span() }]);

/** sendWithRetry with the waits it asked for recorded instead of slept. */
async function retried(sender: Sender, policy = DEFAULT_RETRY) {
  const waits: number[] = [];
  const result = await sendWithRetry(sender, oneSpan(), 1, policy, async (ms) => void waits.push(ms));
  return { ...result, waits };
}

const otlp = () => nock(`http://${OTLP}`).post("/v1/traces");

describe("the replay sender over OTLP/HTTP", () => {
  const sender = () => createSender({ protocol: "http", endpoint: OTLP });

  it("waits as long as a 503's Retry-After says, then sends again", async () => {
    otlp().reply(503, "memory limiter", { "Retry-After": "2" });
    otlp().reply(200, Buffer.from(EMPTY_EXPORT_RESPONSE));
    const r = await retried(sender());
    expect(r).toMatchObject({ outcome: { ok: true, rejected: 0 }, attempts: 2, waits: [2000] });
  });

  it("takes Retry-After as an HTTP date on a 429, and cuts a wait longer than the cap", async () => {
    const inAnHour = new Date(Date.now() + 3_600_000).toUTCString();
    otlp().reply(429, "slow down", { "Retry-After": inAnHour });
    otlp().reply(200, Buffer.from(EMPTY_EXPORT_RESPONSE));
    const r = await retried(sender());
    expect(r.waits).toEqual([DEFAULT_RETRY.maxRetryAfterMs]);
    expect(r.outcome.ok).toBe(true);
  });

  it("backs off exponentially on 502 and 504 without Retry-After", async () => {
    otlp().reply(502, "bad gateway");
    otlp().reply(504, "gateway timeout");
    otlp().reply(200, Buffer.from(EMPTY_EXPORT_RESPONSE));
    const r = await retried(sender());
    expect(r).toMatchObject({ outcome: { ok: true }, attempts: 3, waits: [400, 800] });
  });

  it("gives up after the bounded number of attempts and reports every span of the request as refused", async () => {
    otlp().times(3).reply(503, "still busy", { "Retry-After": "1" });
    const r = await retried(sender(), { ...DEFAULT_RETRY, attempts: 3 });
    expect(r.attempts).toBe(3);
    expect(r.outcome).toMatchObject({ ok: false, rejected: 1, retryable: true, error: "HTTP 503: still busy" });
  });

  it("does not retry what the OTLP specification calls permanent (400)", async () => {
    otlp().reply(400, "bad data");
    const r = await retried(sender());
    expect(r).toMatchObject({ attempts: 1, waits: [], outcome: { ok: false, retryable: false } });
  });

  it("reports a partial success's rejected spans, which the replay's checks turn into a finding", async () => {
    const { response } = otlpTraceTypes();
    const body = response.encode({ partialSuccess: { rejectedSpans: 2, errorMessage: "2 spans had no trace id" } });
    otlp().reply(200, Buffer.from(body.finish()), { "content-type": "application/x-protobuf" });
    const { outcome } = await retried(sender());
    expect(outcome).toEqual({ ok: true, rejected: 2, error: "2 spans had no trace id", retryable: false });

    const { description } = await loadRepoDescription("tracing.yaml");
    const env = resolveEnvironment(description, "dev");
    const sent = span();
    const replay = record(env, [{ span: sent }], [request([{ span: sent }])]);
    expect(checkReplay(replay, env, 0.99).findings.filter((f) => f.code === "rejected-spans")).toEqual([]);
    replay.sent[0]!.outcome = outcome;
    const findings = checkReplay(replay, env, 0.99).findings.filter((f) => f.code === "rejected-spans");
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain("rejected 2 of its 1 spans");
  });

  it("sends the bearer token over TLS and treats a request left unanswered past its timeout as worth retrying", async () => {
    nock(`https://${OTLP}`)
      .post("/v1/traces")
      .matchHeader("authorization", "Bearer the-token")
      .matchHeader("content-type", "application/x-protobuf")
      .delay(2000)
      .reply(200, Buffer.from(EMPTY_EXPORT_RESPONSE));
    const tls = createSender({
      protocol: "http",
      endpoint: OTLP,
      tls: { ca: Buffer.from("unused: nock answers before any handshake") },
      token: "the-token",
      timeoutMs: 300,
    });
    const outcome = await tls.send(oneSpan(), 1);
    expect(outcome).toMatchObject({ ok: false, retryable: true, error: "no answer within 300 ms" });
  });

  it("reads Retry-After as seconds or a date, and nothing else", () => {
    const now = Date.parse("2026-11-29T12:00:00Z");
    expect(retryAfter("120", now)).toBe(120_000);
    expect(retryAfter("Sun, 29 Nov 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(retryAfter("Sun, 29 Nov 2026 11:00:00 GMT", now)).toBe(0);
    for (const bad of ["-1", "1.5", "soon", "", "99999999999"]) expect(retryAfter(bad, now), bad).toBeUndefined();
    expect(retryAfter(undefined, now)).toBeUndefined();
  });
});

describe("the shop's Jaeger reader", () => {
  const query = { service: "shop-api", tags: { "order.id": "o-1" } };
  const trace = {
    traceID: "5b8efff798038103d269b633813fc60c",
    spans: [
      {
        traceID: "5b8efff798038103d269b633813fc60c",
        spanID: "eee19b7ec3c1b174",
        operationName: "POST /orders",
        references: [],
        startTime: 1,
        duration: 2,
        tags: [{ key: "span.kind", value: "server" }],
        logs: [],
        processID: "p1",
      },
    ],
    processes: { p1: { serviceName: "shop-api" } },
  };

  it("says what Jaeger answered when a search fails", async () => {
    nock(JAEGER).get("/api/traces").query(true).reply(500, "storage unavailable");
    await expect(searchTraces(JAEGER, query)).rejects.toThrow(
      "Jaeger answered 500 to a trace search: storage unavailable",
    );
  });

  it("tells a missing trace (404) from a failing API (502)", async () => {
    nock(JAEGER).get(`/api/traces/${trace.traceID}`).reply(404, "not found");
    expect(await getTrace(JAEGER, trace.traceID)).toBeUndefined();
    nock(JAEGER).get(`/api/traces/${trace.traceID}`).reply(502, "bad gateway");
    await expect(getTrace(JAEGER, trace.traceID)).rejects.toThrow(`Jaeger answered 502 for trace ${trace.traceID}`);
  });

  it("gives up on a Jaeger that does not answer within 5 s", async () => {
    nock(JAEGER)
      .get(`/api/traces/${trace.traceID}`)
      .delay(8000)
      .reply(200, { data: [trace] });
    const started = Date.now();
    await expect(getTrace(JAEGER, trace.traceID)).rejects.toThrow(/abort|timeout/i);
    expect(Date.now() - started).toBeLessThan(7000);
  }, 15_000);

  it("keeps polling through errors until the trace is complete", async () => {
    nock(JAEGER).get("/api/traces").query(true).reply(503, "warming up");
    nock(JAEGER)
      .get("/api/traces")
      .query(true)
      .reply(200, { data: [trace] });
    const found = await waitForTrace(JAEGER, query, (t) => t.spans.length === 1, 5000);
    expect(found.spans[0]).toMatchObject({ service: "shop-api", name: "POST /orders", kind: "server" });
  });

  it("stops polling at its deadline when every answer is an error, saying nothing was found", async () => {
    nock(JAEGER).get("/api/traces").query(true).times(100).reply(500, "down");
    await expect(waitForTrace(JAEGER, query, () => true, 1200)).rejects.toThrow(
      /no complete trace .* within 1\.2 s; found:\n {2}\(none\)/,
    );
    nock.cleanAll();
  });
});

describe("the flow metrics scrape", () => {
  it("fails with the status when the endpoint answers 500", async () => {
    nock(`http://${METRICS}`).get("/metrics").reply(500, "internal error");
    await expect(scrape(METRICS, undefined)).rejects.toThrow("GET /metrics answered 500");
  });

  it("fails when the endpoint does not answer within 5 s", async () => {
    nock(`http://${METRICS}`).get("/metrics").delay(8000).reply(200, "");
    await expect(scrape(METRICS, undefined)).rejects.toThrow("GET /metrics timed out");
  }, 15_000);

  it("reads the exposition when the endpoint answers 200", async () => {
    nock(`http://${METRICS}`).get("/metrics").reply(200, "up 1\n");
    expect(await scrape(METRICS, undefined)).toBe("up 1\n");
  });
});
