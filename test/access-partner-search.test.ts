import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTraceSearch, uiSearchParams, type TraceSearch } from "../src/access/partner-search.js";
import type { Gateway } from "../src/access/server.js";
import { sendOrders, type SeededTrace } from "../shop/driver/partner-traces.js";
import { startAccessStack, type AccessStack } from "./helpers/access-stack.js";

/*
 * A partner's search when other partners' traces outnumber theirs in the window. The stack's Jaeger
 * gets 6 orders of partner A, then 30 of partner B and 5 internal ones, all newer; a search of 10
 * passed on to Jaeger as asked returns only B's and internal traces. With
 * `access.partners.entry_services` the gateway finds A's traces first and answers from those.
 * Real Jaeger is the oracle for what a search matches: the same query asked of Jaeger directly,
 * with room for every trace, narrowed to the ids of A's orders.
 */

describe("a partner's search, outnumbered by others' traces", () => {
  let stack: AccessStack;
  let gateway: Gateway;
  let ofA: SeededTrace[];
  let ofB: SeededTrace[];

  beforeAll(async () => {
    stack = await startAccessStack();
    const more = (prefix: string, partner: string | undefined, count: number, from: number) =>
      Array.from({ length: count }, (_, i) => ({ orderId: `${prefix}-${from + i}`, partner }));
    ofA = [stack.traces.a];
    // One at a time: the SDK's clock has millisecond steps, and "newest first" needs distinct starts.
    for (const order of more("ord-a", "A", 5, 2)) {
      await new Promise((resolve) => setTimeout(resolve, 3));
      ofA.push(...(await sendOrders(stack.jaeger, [order])));
    }
    ofB = [stack.traces.b, ...(await sendOrders(stack.jaeger, more("ord-b", "B", 30, 2)))];
    await sendOrders(stack.jaeger, more("ord-i", undefined, 5, 2));
    gateway = await stack.startGateway();
    expect(stack.config.access.partners?.entry_services).toEqual(["shop-api"]);
  }, 180_000);
  afterAll(async () => stack?.stop(), 60_000);

  const ids = (traces: SeededTrace[]) => traces.map((t) => t.traceId).sort();

  async function viaGateway(g: Gateway, query: string, token = stack.tokens.partnerA) {
    const answer = await stack.get(g, `/api/traces?${query}`, token);
    expect(answer.status, answer.text()).toBe(200);
    return answer.json<{ data: Array<{ traceID: string }>; total: number }>().data.map((t) => t.traceID);
  }

  async function viaJaeger(query: string): Promise<string[]> {
    const response = await fetch(`${stack.jaeger.queryUrl}/api/traces?${query}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: Array<{ traceID: string }> }).data.map((t) => t.traceID);
  }

  it("is crowded out when passed on to Jaeger as asked: its 10 newest shop-api traces hold none of A's", async () => {
    const newest = await viaJaeger("service=shop-api&lookback=1h&limit=10");
    expect(newest).toHaveLength(10);
    expect(newest.filter((id) => ids(ofA).includes(id))).toEqual([]);
    const postFiltered = await stack.startGateway((config) => {
      delete config.access.partners!.entry_services;
    });
    expect(await viaGateway(postFiltered, "service=shop-api&lookback=1h&limit=10")).toEqual([]);
  });

  it("returns all of the partner's traces with entry_services, and only theirs", async () => {
    const found = await viaGateway(gateway, "service=shop-api&lookback=1h&limit=10");
    expect([...found].sort()).toEqual(ids(ofA));
    const forB = await viaGateway(gateway, "service=shop-api&lookback=1h&limit=50", stack.tokens.partnerB);
    expect([...forB].sort()).toEqual(ids(ofB));
    const audit = (await stack.auditEvents()).at(-1);
    expect(audit).toMatchObject({ partner: "B", status: 200, outcome: "allowed" });
    expect([...audit!.traceIds].sort()).toEqual(ids(ofB));
  });

  it("stops at the search's limit and at max_traces, newest first", async () => {
    const newestA = [...ofA].reverse().map((t) => t.traceId);
    expect(await viaGateway(gateway, "service=shop-api&lookback=1h&limit=3")).toEqual(newestA.slice(0, 3));
    const capped = await stack.startGateway((config) => {
      config.access.limits = { ...config.access.limits!, max_traces: 4 };
    });
    // Which 4 is Jaeger's choice (its most recently stored), the same as its own search for A's traces.
    const jaegersFour = await viaJaeger(
      `service=shop-api&tags=${encodeURIComponent('{"partner.id":"A"}')}&lookback=1h&limit=4`,
    );
    expect(jaegersFour).toHaveLength(4);
    expect((await viaGateway(capped, "service=shop-api&lookback=1h&limit=50")).sort()).toEqual(jaegersFour.sort());
  });

  for (const query of [
    "service=crm-api",
    "service=crm-api&operation=price%20order",
    "service=shop-api&operation=price%20order",
    `service=shop-api&tags=${encodeURIComponent('{"order.id":"ord-a-3"}')}`,
    "service=crm-api&tag=order.id:ord-a-4",
    `service=shop-api&tags=${encodeURIComponent('{"http.route":"/api/orders","order.flow":"order-upload"}')}`,
    "service=shop-api&minDuration=1h",
    "service=shop-api&maxDuration=1h",
    "service=shop-api&tag=order.id:ord-b-3",
  ])
    it(`matches what Jaeger matches: ${decodeURIComponent(query)}`, async () => {
      const window = `lookback=1h&start=${(Date.now() - 3_600_000) * 1000}&end=${Date.now() * 1000}`;
      const expected = (await viaJaeger(`${query}&${window}&limit=1000`)).filter((id) => ids(ofA).includes(id));
      expect([...(await viaGateway(gateway, `${query}&${window}&limit=100`))].sort()).toEqual(expected.sort());
    });

  const iso = (ms: number) => new Date(ms).toISOString();
  const v3Window = () =>
    `query.start_time_min=${iso(Date.now() - 3_600_000)}&query.start_time_max=${iso(Date.now() + 60_000)}`;

  /** The trace ids of a v3 answer (OTLP JSON); none for its 404. */
  function v3Ids(status: number, body: unknown): string[] {
    if (status === 404) return [];
    expect(status, JSON.stringify(body)).toBe(200);
    const found = new Set<string>();
    const result = (
      body as { result: { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ traceId: string }> }> }> } }
    ).result;
    for (const rs of result.resourceSpans)
      for (const ss of rs.scopeSpans) for (const span of ss.spans) found.add(span.traceId);
    return [...found].sort();
  }

  async function v3ViaGateway(g: Gateway, query: string, token = stack.tokens.partnerA) {
    const answer = await stack.get(g, `/api/v3/traces?${query}`, token);
    return { ids: v3Ids(answer.status, answer.json()), text: answer.text() };
  }

  it("answers the v3 search the same way: all of A's traces, with only the attributes a partner sees", async () => {
    const query = `query.service_name=shop-api&${v3Window()}&query.num_traces=10`;
    const direct = await fetch(`${stack.jaeger.queryUrl}/api/v3/traces?${query}`);
    expect(v3Ids(direct.status, await direct.json()).filter((id) => ids(ofA).includes(id))).toEqual([]);
    const { ids: found, text } = await v3ViaGateway(gateway, query);
    expect(found).toEqual(ids(ofA));
    expect(text).toContain("ord-a-3");
    expect(text).not.toContain("internal.margin");
    expect(text).not.toContain("203.0.113.9");
    const postFiltered = await stack.startGateway((config) => {
      delete config.access.partners!.entry_services;
    });
    expect((await v3ViaGateway(postFiltered, query)).ids).toEqual([]);
  });

  for (const query of [
    "query.service_name=crm-api",
    "query.service_name=crm-api&query.operation_name=price%20order",
    "query.service_name=shop-api&query.duration_min=1h",
    "query.service_name=shop-api&query.duration_max=1h",
  ])
    it(`matches what Jaeger's v3 search matches: ${decodeURIComponent(query)}`, async () => {
      const window = v3Window();
      const direct = await fetch(`${stack.jaeger.queryUrl}/api/v3/traces?${query}&${window}&query.num_traces=1000`);
      const expected = v3Ids(direct.status, await direct.json()).filter((id) => ids(ofA).includes(id));
      expect((await v3ViaGateway(gateway, `${query}&${window}&query.num_traces=100`)).ids).toEqual(expected);
    });

  it("answers a malformed search as Jaeger would, with 400, and audits it", async () => {
    for (const query of [
      "query.service_name=shop-api",
      `query.service_name=shop-api&${v3Window()}&query.duration_min=soon`,
    ]) {
      const answer = await stack.get(gateway, `/api/v3/traces?${query}`, stack.tokens.partnerA);
      expect(answer.status, query).toBe(400);
      expect(answer.json<{ error: { httpCode: number } }>().error.httpCode).toBe(400);
    }
    for (const query of ["lookback=1h", "service=shop-api&minDuration=soon", "service=shop-api&limit=lots"]) {
      const answer = await stack.get(gateway, `/api/traces?${query}`, stack.tokens.partnerA);
      expect(answer.status, query).toBe(400);
      expect(answer.json<{ errors: Array<{ code: number }> }>().errors[0]?.code).toBe(400);
      expect((await stack.auditEvents()).at(-1)).toMatchObject({ partner: "A", status: 400, traceIds: [] });
    }
  });
});

describe("reading a partner's search", () => {
  it("reads Jaeger's parameters: Go durations, microsecond times, tags from both forms, the limit capped", () => {
    const search = readTraceSearch(
      new URLSearchParams({
        service: "shop-api",
        operation: "POST /api/orders",
        tag: "http.route:/api/orders:v2",
        tags: '{"order.id":"ord-1"}',
        start: "1700000000000000",
        minDuration: "1h30m0.5s",
        maxDuration: "250µs",
        limit: "500",
      }),
      100,
    );
    expect(search).toMatchObject({
      service: "shop-api",
      operation: "POST /api/orders",
      startMin: 1_700_000_000_000_000,
      startMax: undefined,
      durationMin: 5_400_500_000,
      durationMax: 250,
      limit: 100,
    });
    expect(Object.fromEntries((search as TraceSearch).tags)).toEqual({
      "http.route": "/api/orders:v2",
      "order.id": "ord-1",
    });
  });

  it("refuses what Jaeger would refuse, and hostile values, with a reason", () => {
    for (const [query, reason] of [
      ["operation=x", "'service' is required"],
      ["service=s&tag=no-value", "malformed 'tag'"],
      ["service=s&tags=[1]", "malformed 'tags'"],
      ['service=s&tags={"a":{"b":1}}', "malformed 'tags'"],
      ["service=s&tags={", "malformed 'tags'"],
      ["service=s&minDuration=1", "malformed 'minDuration'"],
      ["service=s&maxDuration=-1s", "malformed 'maxDuration'"],
      [`service=s&minDuration=${"1".repeat(3000)}x`, "malformed 'minDuration'"],
      ["service=s&start=1e9", "malformed 'start'"],
      ["service=s&limit=99999999999999999999", "malformed 'limit'"],
    ] as const)
      expect(readTraceSearch(new URLSearchParams(query), 100), query).toContain(reason);
  });

  it("reads a v3 search's RFC 3339 times to the microsecond, and refuses one without them", () => {
    const ui = uiSearchParams(
      new URLSearchParams({
        "query.service_name": "crm-api",
        "query.start_time_min": "2026-11-29T10:00:00.123456789Z",
        "query.start_time_max": "2026-11-29T12:00:00+02:00",
        "query.num_traces": "7",
      }),
    );
    expect(ui.toString()).toBe(
      new URLSearchParams({
        service: "crm-api",
        limit: "7",
        start: String(Date.parse("2026-11-29T10:00:00Z") * 1000 + 123_456),
        end: String(Date.parse("2026-11-29T10:00:00Z") * 1000),
      }).toString(),
    );
    expect(uiSearchParams(new URLSearchParams({ "query.service_name": "crm-api" }))).toContain("are required");
    expect(
      uiSearchParams(
        new URLSearchParams({ "query.start_time_min": "yesterday", "query.start_time_max": "2026-11-29T12:00:00Z" }),
      ),
    ).toContain("malformed 'query.start_time_min'");
  });
});
