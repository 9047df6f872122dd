import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEvent } from "../src/access/audit/store.js";
import type { Gateway } from "../src/access/server.js";
import type { HttpsAnswer } from "../shop/driver/https-client.js";
import { startAccessStack, type AccessStack } from "./helpers/access-stack.js";

/*
 * Every reader against every endpoint and every trace, through the real gateway in front of the
 * real Jaeger, with tokens the real identity provider issued. Each cell asserts the status, which
 * traces come back, which attributes survive, and the audit record the request left.
 */

type Reader = "support" | "developer" | "manager" | "partnerA" | "partnerB" | "anonymous";
type TraceName = "a" | "b" | "internal";
const READERS: Reader[] = ["support", "developer", "manager", "partnerA", "partnerB", "anonymous"];

/** Attributes of the seeded spans (see helpers/access-stack.ts) grouped by who may see them. */
const PERSONAL = ["order.id", "user.id", "client.address"];
const INTERNAL = ["internal.margin", "internal.cost", "db.statement", "host.name"];
const PARTNER_VISIBLE = ["order.id", "partner.id", "http.route", "http.request.method", "order.flow"];

interface Cell {
  endpoint: string;
  path: string;
  action: string;
  /** Traces whose ids the answer holds, when it lists traces. */
  traces?: TraceName[];
}

function attributeKeys(body: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(body)) for (const item of body) attributeKeys(item, into);
  else if (body && typeof body === "object") {
    const o = body as Record<string, unknown>;
    if (typeof o["key"] === "string" && "value" in o) into.add(o["key"]);
    for (const v of Object.values(o)) attributeKeys(v, into);
  }
  return into;
}

function traceIdsIn(body: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(body)) for (const item of body) traceIdsIn(item, into);
  else if (body && typeof body === "object") {
    for (const [k, v] of Object.entries(body)) {
      if ((k === "traceID" || k === "traceId") && typeof v === "string") into.add(v);
      else traceIdsIn(v, into);
    }
  }
  return into;
}

const withoutDate = (answer: HttpsAnswer) => {
  const { date: _date, ...rest } = answer.headers;
  return rest;
};

describe("trace access: reader × endpoint × trace", () => {
  let stack: AccessStack;
  let gateway: Gateway;
  const events: Array<{ cell: string; reader: Reader; status: number; traceIds: string[]; outcome: string }> = [];

  beforeAll(async () => {
    stack = await startAccessStack();
    gateway = await stack.startGateway((config) => {
      config.access.limits = { ...config.access.limits!, rate: 1000, burst: 1000 };
    });
  }, 120_000);
  afterAll(async () => stack?.stop(), 60_000);

  const cells = (): Cell[] => {
    const now = Date.now();
    const since = new Date(now - 3_600_000).toISOString();
    const until = new Date(now + 60_000).toISOString();
    const t = stack.traces;
    return [
      { endpoint: "ui services", path: "/api/services", action: "services" },
      { endpoint: "ui operations", path: "/api/services/crm-api/operations", action: "operations" },
      {
        endpoint: "ui search",
        path: "/api/traces?service=crm-api&lookback=1h&limit=20",
        action: "search",
        traces: ["a", "b", "internal"],
      },
      ...(["a", "b", "internal"] as const).map((name) => ({
        endpoint: `ui trace ${name}`,
        path: `/api/traces/${t[name].traceId}`,
        action: "trace",
        traces: [name],
      })),
      { endpoint: "ui dependencies", path: `/api/dependencies?endTs=${now}&lookback=3600000`, action: "dependencies" },
      { endpoint: "v3 services", path: "/api/v3/services", action: "services" },
      { endpoint: "v3 operations", path: "/api/v3/operations?service=crm-api", action: "operations" },
      {
        endpoint: "v3 search",
        path: `/api/v3/traces?query.service_name=crm-api&query.start_time_min=${since}&query.start_time_max=${until}`,
        action: "search",
        traces: ["a", "b", "internal"],
      },
      ...(["a", "b", "internal"] as const).map((name) => ({
        endpoint: `v3 trace ${name}`,
        path: `/api/v3/traces/${t[name].traceId}`,
        action: "trace",
        traces: [name],
      })),
    ];
  };

  /** The traces a reader may see at all. */
  const visible = (reader: Reader): TraceName[] =>
    reader === "partnerA" ? ["a"] : reader === "partnerB" ? ["b"] : ["a", "b", "internal"];

  async function nonexistent(api: "ui" | "v3", reader: Reader): Promise<HttpsAnswer> {
    const id = randomBytes(16).toString("hex");
    return stack.get(
      gateway,
      api === "ui" ? `/api/traces/${id}` : `/api/v3/traces/${id}`,
      stack.tokens[reader as "partnerA"],
    );
  }

  for (const reader of READERS) {
    it(`${reader}: every endpoint and trace`, async () => {
      const token = reader === "anonymous" ? undefined : stack.tokens[reader];
      for (const cell of cells()) {
        const answer = await stack.get(gateway, cell.path, token);
        const label = `${reader} ${cell.endpoint}`;
        const ids = [...traceIdsIn(answer.json())];
        const keys = attributeKeys(answer.json());
        const idOf = (name: TraceName) => stack.traces[name].traceId;
        for (const [header, value] of Object.entries({
          "strict-transport-security": "max-age=63072000; includeSubDomains",
          "x-content-type-options": "nosniff",
          "cache-control": "no-store",
          "x-frame-options": "DENY",
        }))
          expect(answer.headers[header], `${label} ${header}`).toBe(value);

        if (reader === "anonymous") {
          expect(answer.status, label).toBe(401);
          expect(answer.headers["www-authenticate"], label).toBe('Bearer realm="traces"');
          expect(ids, label).toEqual([]);
        } else if (reader === "manager" && (cell.action === "search" || cell.action === "trace")) {
          expect(answer.status, label).toBe(403);
          expect(ids, label).toEqual([]);
        } else if (reader.startsWith("partner") && cell.action === "dependencies") {
          expect(answer.status, label).toBe(403);
        } else if (cell.traces) {
          const expected = cell.traces.filter((name) => visible(reader).includes(name));
          if (cell.action === "trace" && expected.length === 0) {
            // Another partner's trace, or an internal one: indistinguishable from one that does not exist.
            const missing = await nonexistent(cell.endpoint.startsWith("v3") ? "v3" : "ui", reader);
            expect(answer.status, label).toBe(404);
            expect(answer.body.equals(missing.body), label).toBe(true);
            expect(withoutDate(answer), label).toEqual(withoutDate(missing));
          } else {
            expect(answer.status, label).toBe(200);
            expect(ids.sort(), label).toEqual(expected.map(idOf).sort());
            if (reader === "support")
              for (const key of [...PERSONAL, ...INTERNAL]) expect(keys, `${label} ${key}`).toContain(key);
            if (reader === "developer") {
              for (const key of PERSONAL) expect(keys, `${label} ${key}`).not.toContain(key);
              for (const key of INTERNAL) expect(keys, `${label} ${key}`).toContain(key);
            }
            if (reader.startsWith("partner")) {
              for (const key of keys) expect(PARTNER_VISIBLE, `${label} ${key}`).toContain(key);
              expect(keys, label).toContain("partner.id");
              expect(keys, label).toContain("order.id");
              expect(answer.text(), label).not.toContain(reader === "partnerA" ? "ord-b-1" : "ord-a-1");
            }
          }
        } else {
          expect(answer.status, label).toBe(200);
          if (cell.action === "services") expect(answer.text(), label).toContain("crm-api");
          if (cell.action === "dependencies") expect(answer.text(), label).toContain("shop-api");
        }
        events.push({
          cell: cell.endpoint,
          reader,
          status: answer.status,
          traceIds: ids,
          outcome: answer.status < 400 ? "allowed" : "refused",
        });
        if (cell.action === "trace" && answer.status === 404)
          events.push({ cell: "nonexistent", reader, status: 404, traceIds: [], outcome: "allowed" });
      }
    }, 60_000);
  }

  it("left one audit record per request, in order, naming the reader, the outcome and the traces returned", async () => {
    const audit = await stack.auditEvents();
    expect(audit).toHaveLength(events.length);
    audit.forEach((event: AuditEvent, i) => {
      const expected = events[i]!;
      const label = `${expected.reader} ${expected.cell}`;
      expect(event.status, label).toBe(expected.status);
      expect([...event.traceIds].sort(), label).toEqual([...expected.traceIds].sort());
      expect(event.outcome, label).toBe(expected.outcome);
      if (expected.status === 404 && expected.outcome === "refused")
        expect(event.reason, label).toMatch(/another partner/);
      expect(event.latencyMs, label).toBeGreaterThan(0);
      if (expected.reader === "anonymous") expect(event.subject, label).toBeNull();
      if (expected.reader === "partnerA")
        expect([event.partner, event.clientId, event.role], label).toEqual(["A", "partner-a", null]);
      if (expected.reader === "developer")
        expect([event.role, event.subject, event.partner], label).toEqual(["developer", "dana", null]);
    });
  });
});
