import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpsRequest } from "../shop/driver/https-client.js";
import { waitForTrace, type Trace } from "../shop/driver/jaeger.js";
import { DEMO_CUSTOMER } from "../shop/services/lib/session.js";
import { stlModel, uploadOrder } from "../shop/driver/orders.js";
import { partnerToken } from "../shop/driver/sign-in.js";
import { TRACES_SCOPE } from "../shop/infra/identity-provider.js";
import { startShop, type Shop } from "../shop/infra/stack.js";
import { AUDIENCE, startTraceAccess, type TraceAccess } from "../shop/infra/trace-access.js";
import { repoPath } from "./helpers/repo.js";

/*
 * Partners in the running reference shop: orders placed through the Shop API with a partner's API
 * key carry partner.id on the Shop API's span after the real collector's masking and sampling, and
 * each partner, through the gateway `npm run shop` starts, finds its own order's trace and not the
 * other partner's or a customer's.
 */

describe("partners' orders in the reference shop", () => {
  let shop: Shop;
  let access: TraceAccess;
  const keys = { A: randomBytes(16).toString("hex"), B: randomBytes(16).toString("hex") };
  const orders: Record<string, { orderId: string; trace: Trace }> = {};

  beforeAll(async () => {
    shop = await startShop({ partnerKeys: keys });
    const uploads = {
      A: await uploadOrder(shop.services.urls.shopApi, {
        fileName: "a.stl",
        content: stlModel(10),
        partnerKey: keys.A,
      }),
      B: await uploadOrder(shop.services.urls.shopApi, {
        fileName: "b.stl",
        content: stlModel(10),
        partnerKey: keys.B,
      }),
      customer: await uploadOrder(shop.services.urls.shopApi, {
        fileName: "c.stl",
        content: stlModel(10),
        customer: DEMO_CUSTOMER,
      }),
    };
    for (const [who, { orderId }] of Object.entries(uploads)) {
      const trace = await waitForTrace(
        shop.jaeger.queryUrl,
        { service: "shop-api", tags: { "order.id": orderId } },
        (t) => t.spans.some((s) => s.service === "3d-storage"),
      );
      orders[who] = { orderId, trace };
    }
    access = await startTraceAccess({
      jaegerQueryUrl: shop.jaeger.queryUrl,
      postgres: shop.postgres,
      auditDatabase: "shop",
      descriptionFile: repoPath("tracing.yaml"),
    });
  }, 180_000);
  afterAll(async () => {
    await access?.stop();
    await shop?.stop();
  }, 60_000);

  it("carry the partner's id on the Shop API's span, and only there", () => {
    for (const partner of ["A", "B"]) {
      const marked = orders[partner]!.trace.spans.filter((s) => s.tags["partner.id"] !== undefined);
      expect(marked.map((s) => [s.service, s.kind, s.tags["partner.id"]])).toEqual([["shop-api", "server", partner]]);
    }
    expect(orders["customer"]!.trace.spans.filter((s) => s.tags["partner.id"] !== undefined)).toEqual([]);
  });

  it("refuses an unknown partner key", async () => {
    await expect(
      uploadOrder(shop.services.urls.shopApi, { fileName: "x.stl", content: stlModel(10), partnerKey: "not-a-key" }),
    ).rejects.toMatchObject({ status: 401 });
  });

  for (const [partner, other] of [
    ["A", "B"],
    ["B", "A"],
  ] as const) {
    it(`show partner ${partner} its own order through the gateway, and nothing of partner ${other}'s or a customer's`, async () => {
      const ca = await readFile(access.caFile);
      const client = access.partners.find((p) => p.partnerId === partner)!;
      const token = await partnerToken({ issuer: access.issuer, ca }, client, AUDIENCE, TRACES_SCOPE);
      const get = (path: string) =>
        httpsRequest(`${access.gatewayUrl}${path}`, { ca, headers: { authorization: `Bearer ${token}` } });
      const search = await get("/api/traces?service=shop-api&lookback=1h&limit=50");
      expect(search.status).toBe(200);
      const found = search.json<{ data: Array<{ traceID: string }> }>().data.map((t) => t.traceID);
      expect(found).toEqual([orders[partner]!.trace.traceId]);
      expect(search.text()).toContain(orders[partner]!.orderId);
      for (const hidden of [other, "customer"]) {
        const answer = await get(`/api/traces/${orders[hidden]!.trace.traceId}`);
        expect(answer.status).toBe(404);
        expect(answer.text()).not.toContain(orders[hidden]!.orderId);
      }
    });
  }
});
