import { describe, expect, it } from "vitest";
import { RateLimiter } from "../src/access/rate-limit.js";
import {
  allowingOnly,
  filterJaegerTrace,
  filterOtlpTraces,
  jaegerTraceCarries,
  otlpTraceIdsCarrying,
  removing,
} from "../src/access/views.js";

/* The gateway's pure parts: what a view keeps of each API shape, and the token bucket's arithmetic. */

const uiTrace = {
  traceID: "t1",
  spans: [
    {
      spanID: "s1",
      processID: "p1",
      tags: [
        { key: "order.id", type: "string", value: "ord-1" },
        { key: "http.route", type: "string", value: "/api/orders" },
      ],
      logs: [
        {
          timestamp: 1,
          fields: [
            { key: "ORDER_ID", type: "string", value: "ord-1" },
            { key: "event", type: "string", value: "priced" },
          ],
        },
      ],
    },
  ],
  processes: {
    p1: {
      serviceName: "shop-api",
      tags: [
        { key: "client.address", type: "string", value: "203.0.113.9" },
        { key: "partner.id", type: "string", value: "A" },
      ],
    },
  },
};

const otlp = {
  resourceSpans: [
    {
      resource: {
        attributes: [
          { key: "partner.id", value: { stringValue: "A" } },
          { key: "host.name", value: { stringValue: "h" } },
        ],
      },
      scopeSpans: [
        {
          scope: { name: "s", attributes: [{ key: "order.id", value: { stringValue: "ord-1" } }] },
          spans: [
            {
              traceId: "t1",
              attributes: [{ key: "order.id", value: { stringValue: "ord-1" } }],
              events: [{ name: "e", attributes: [{ key: "order-id", value: { stringValue: "ord-1" } }] }],
              links: [{ traceId: "t9", attributes: [{ key: "order.id", value: { stringValue: "ord-1" } }] }],
            },
          ],
        },
      ],
    },
    {
      resource: { attributes: [] },
      scopeSpans: [
        { scope: {}, spans: [{ traceId: "t2", attributes: [{ key: "partner.id", value: { stringValue: "B" } }] }] },
      ],
    },
  ],
};

describe("views", () => {
  it("remove a key from span tags, log fields and process tags, matching regardless of case, '.', '_' and '-'", () => {
    const out = filterJaegerTrace(uiTrace, removing(["order.id", "client.address"]));
    expect(JSON.stringify(out)).not.toContain("ord-1");
    expect(JSON.stringify(out)).not.toContain("203.0.113.9");
    expect(JSON.stringify(out)).toContain("/api/orders");
    expect(JSON.stringify(out)).toContain("priced");
  });

  it("keep only allowed keys in every attribute list of OTLP JSON, and only the spans asked for", () => {
    const out = filterOtlpTraces(otlp, allowingOnly(["partner.id"]), (span) => span["traceId"] === "t1");
    expect(JSON.stringify(out)).not.toContain("ord-1");
    expect(JSON.stringify(out)).not.toContain('"h"');
    expect(JSON.stringify(out)).not.toContain("t2");
    expect(out["resourceSpans"]).toHaveLength(1);
  });

  it("find a partner's traces by span or resource attribute, and only by an exact string value", () => {
    expect(otlpTraceIdsCarrying(otlp, "partner.id", "A")).toEqual(new Set(["t1"]));
    expect(otlpTraceIdsCarrying(otlp, "partner.id", "B")).toEqual(new Set(["t2"]));
    expect(otlpTraceIdsCarrying(otlp, "partner.id", "a")).toEqual(new Set());
    expect(jaegerTraceCarries(uiTrace, "partner.id", "A")).toBe(true);
    expect(jaegerTraceCarries(uiTrace, "partner.id", "B")).toBe(false);
  });
});

describe("the token bucket", () => {
  it("lets a burst through, then one request per 1/rate seconds, per client", () => {
    let now = 0;
    const limiter = new RateLimiter(2, 3, () => now);
    expect([1, 2, 3].map(() => limiter.take("a"))).toEqual([0, 0, 0]);
    expect(limiter.take("a")).toBeCloseTo(0.5);
    expect(limiter.take("b")).toBe(0);
    now += 500;
    expect(limiter.take("a")).toBe(0);
    expect(limiter.take("a")).toBeCloseTo(0.5);
    now += 10_000;
    expect([1, 2, 3].map(() => limiter.take("a"))).toEqual([0, 0, 0]);
    expect(limiter.take("a")).toBeGreaterThan(0);
  });
});
