import { Agent } from "node:https";
import { createServer, type Server } from "node:net";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpsRequest } from "../shop/driver/https-client.js";
import { startAccessStack, type AccessStack } from "./helpers/access-stack.js";
import { eventually } from "./helpers/eventually.js";

/*
 * The gateway's bounds under load and against a slow or oversized upstream: per-client token
 * buckets (429 with Retry-After, never a 5xx), the query timeout (504), the result size limit (413).
 */

describe("trace access limits", () => {
  let stack: AccessStack;

  beforeAll(async () => {
    stack = await startAccessStack();
  }, 120_000);
  afterAll(async () => stack?.stop(), 60_000);

  it("holds each client to its own token bucket under concurrent loopback load, with no 5xx", async () => {
    const rate = 5;
    const burst = 10;
    const gateway = await stack.startGateway((config) => {
      config.access.limits = { ...config.access.limits!, rate, burst };
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 8, ca: stack.tls.ca });
    const started = performance.now();
    /** 60 requests per client, 4 at a time per client, both clients at once. */
    const load = async (token: string | undefined) => {
      const statuses: number[] = [];
      const retryAfter: string[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < 60) {
            next++;
            const answer = await httpsRequest(`${gateway.url}/api/services`, {
              ca: stack.tls.ca,
              agent,
              headers: token ? { authorization: `Bearer ${token}` } : {},
            });
            statuses.push(answer.status);
            if (answer.status === 429) retryAfter.push(String(answer.headers["retry-after"]));
          }
        }),
      );
      return { statuses, retryAfter };
    };
    const [partner, support, anonymous] = await Promise.all([
      load(stack.tokens.partnerA),
      load(stack.tokens.support),
      load(undefined),
    ]);
    const elapsedS = (performance.now() - started) / 1000;
    agent.destroy();
    const ceiling = burst + Math.ceil(rate * elapsedS) + 1;
    for (const [who, run, served] of [
      ["partner A", partner, 200],
      ["support", support, 200],
      ["no token", anonymous, 401],
    ] as const) {
      const ok = run.statuses.filter((s) => s === served).length;
      const limited = run.statuses.filter((s) => s === 429).length;
      expect(
        run.statuses.filter((s) => s >= 500),
        who,
      ).toEqual([]);
      expect(ok + limited, who).toBe(60);
      expect(ok, `${who}: served ${ok} in ${elapsedS.toFixed(2)} s`).toBeGreaterThanOrEqual(burst);
      expect(ok, `${who}: served ${ok} in ${elapsedS.toFixed(2)} s`).toBeLessThanOrEqual(ceiling);
      for (const value of run.retryAfter) expect(Number(value), who).toBeGreaterThanOrEqual(1);
    }
    const events = await stack.auditEvents();
    expect(events.filter((e) => e.status === 429 && e.clientId === "partner-a").length).toBe(
      partner.statuses.filter((s) => s === 429).length,
    );
  }, 60_000);

  it("answers 504 when Jaeger does not answer within the query timeout", async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const gateway = await stack.startGateway((config) => {
        config.access.limits = { ...config.access.limits!, query_timeout: "300ms" };
      }, `http://127.0.0.1:${port}`);
      const started = performance.now();
      const answer = await stack.get(gateway, "/api/services", stack.tokens.support);
      expect(answer.status).toBe(504);
      expect(performance.now() - started).toBeLessThan(3000);
      const events = await stack.auditEvents();
      expect(events[events.length - 1]).toMatchObject({ outcome: "error", status: 504, role: "support" });
    } finally {
      silent.close();
    }
  });

  it("refuses a result over the size limit with 413 rather than cutting it", async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": "3d-storage" }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://${stack.jaeger.otlpGrpc}` }))],
    });
    const span = provider.getTracer("limits").startSpan("store model", {
      attributes: { "partner.id": "A", "model.stl": "x".repeat(700 * 1024), "model.preview": "y".repeat(700 * 1024) },
    });
    span.end();
    await provider.shutdown();
    const traceId = span.spanContext().traceId;
    await eventually("the large trace in Jaeger", 20_000, async () =>
      (await fetch(`${stack.jaeger.queryUrl}/api/traces/${traceId}`)).ok ? true : undefined,
    );
    const small = await stack.startGateway((config) => {
      config.access.limits = { ...config.access.limits!, max_result: "1MiB" };
    });
    const refused = await stack.get(small, `/api/traces/${traceId}`, stack.tokens.support);
    expect(refused.status).toBe(413);
    expect(refused.body.length).toBeLessThan(200);
    const events = await stack.auditEvents();
    expect(events[events.length - 1]).toMatchObject({ outcome: "refused", status: 413, traceIds: [] });
    const roomy = await stack.startGateway();
    const served = await stack.get(roomy, `/api/traces/${traceId}`, stack.tokens.support);
    expect(served.status).toBe(200);
    expect(served.body.length).toBeGreaterThan(1024 * 1024);
  }, 60_000);
});
