import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { PlantedValue } from "../src/traffic/planted.js";
import { array, double, int, kv, kvlist, type AnyValue, type Span } from "../src/otlp/model.js";
import { resolveEnvironment, type ResolvedEnvironment } from "../src/resolve/resolve.js";
import { binomialTolerance, binomialUpperBound } from "../src/replay/checks/binomial.js";
import { checkReplay } from "../src/replay/checks/index.js";
import { unscrubbedLiteral } from "../src/replay/checks/literals.js";
import { maskedFrom } from "../src/replay/checks/masked-text.js";
import { flowMetrics, KEY, record, request, resource, scope, span, withoutFlowMetrics } from "./replay-helpers.js";
import { loadRepoDescription } from "./helpers/repo.js";

/*
 * The checks on replays made by hand, without a collector: what a correct masking delivers
 * passes, and each kind of leak, alteration and sampling fault is found and located without
 * the report ever quoting a personal value.
 */

const hmac = (v: string, key = KEY) => `hmac:${createHmac("sha256", key).update(v).digest("hex").slice(0, 32)}`;
const codes = (r: ReturnType<typeof checkReplay>) => r.findings.map((f) => `${f.check}/${f.code}`);
const bytes = (text: string): AnyValue => ({ type: "bytes", value: new Uint8Array(Buffer.from(text)) });
const planted = (value: string, place = "span.attributes", rules = ["detect email"]): PlantedValue => ({
  value,
  kind: "email",
  place,
  rules,
});

let prod: ResolvedEnvironment;
let payments: ResolvedEnvironment;
beforeAll(async () => {
  const { description } = await loadRepoDescription("tracing.yaml");
  prod = resolveEnvironment(description, "prod");
  const other = await loadRepoDescription("examples/payments.tracing.yaml");
  payments = resolveEnvironment(other.description, "sandbox");
});

/** Judges one span sent and the span that arrived, with flow metrics that count it. */
const judge = (sent: Span, arrived: Span, plants: PlantedValue[] = [], env = () => prod) =>
  checkReplay(
    record(env(), [{ span: sent }], [request([{ span: arrived }])], { metrics: flowMetrics(env(), [sent]) }),
    env(),
    0.999,
    plants,
  );

/** A span the way a service sends it, and the same span the way masking may deliver it. */
function maskedPair(): { sent: Span; arrived: Span; plants: PlantedValue[] } {
  const sent = span({
    name: "SELECT id FROM customers WHERE email = 'ana.silva@example.com'",
    traceState: "shop=u:ana.silva@example.com,rojo=00f067aa0ba902b7,bad=jane\u00A0doe@example.com",
    attributes: [
      kv("order.flow", "order-execution"),
      kv("order.id", "ORD-4711"),
      kv("http.route", "/api/orders/{orderId}"),
      kv("user.email", "ana.silva@example.com"),
      kv("User_Email", "ana.silva@example.com"),
      kv("USER.ID", "usr-4711-x"),
      kv("enduser.id", int(4242)),
      kv("user.id", "hmac:00000000000000000000000000000000"),
      kv("db.query.text", "SELECT * FROM orders WHERE id = 42 AND name = 'Ana Silva'"),
      kv("app.note", "call +49 170 5550123 now, or mail ana.silva\uFF20example.com"),
      kv("app.payment.reference", int(4111111111111111n)),
      kv("app.payload", bytes("note: ana.silva@example.com")),
      kv("http.request.header.x-ana.silva@example.com", "1"),
      kv(
        "app.customer",
        kvlist([kv("user.phone", "+49 170 5550999"), kv("client.address", array(kv("x", "10.0.0.7").value))]),
      ),
    ],
    status: { code: 2, message: "card 4111 1111 1111 1111 declined" },
    events: [
      {
        timeUnixNano: 1_010_000_000n,
        name: "exception",
        attributes: [kv("exception.message", "card 4111 1111 1111 1111 declined")],
        droppedAttributesCount: 0,
      },
    ],
  });
  const arrived: Span = {
    ...sent,
    name: "SELECT id FROM customers WHERE email = ?",
    traceState: "shop=u:[REDACTED:email],rojo=00f067aa0ba902b7",
    attributes: [
      kv("order.flow", "order-execution"),
      kv("order.id", "ORD-4711"),
      kv("http.route", "/api/orders/{orderId}"),
      kv("USER.ID", hmac("usr-4711-x")),
      kv("enduser.id", hmac("4242")),
      kv("user.id", hmac("hmac:00000000000000000000000000000000")),
      kv("db.query.text", "SELECT * FROM orders WHERE id = ? AND name = ?"),
      kv("app.note", "call [REDACTED:phone] now, or mail [REDACTED:email]"),
      kv("app.payment.reference", "[REDACTED:card_number]"),
      kv("app.payload", bytes("note: [REDACTED:email]")),
      kv("app.customer", kvlist([kv("client.address", array(kv("x", hmac("10.0.0.7")).value))])),
    ],
    status: { code: 2, message: "card [REDACTED:card_number] declined" },
    events: [
      {
        timeUnixNano: 1_010_000_000n,
        name: "exception",
        attributes: [kv("exception.message", "card [REDACTED:card_number] declined")],
        droppedAttributesCount: 0,
      },
    ],
  };
  const plants = [
    planted("ana.silva@example.com", "span.traceState"),
    planted("ana.silva\uFF20example.com"),
    planted("4111111111111111", "span.attributes", ["detect card_number in numbers"]),
    planted("Ana Silva", "span.attributes (db.query.text)", ["scrub_queries db.query.text"]),
    planted("hmac:00000000000000000000000000000000", "span.attributes", ["pseudonymize user.id"]),
  ];
  return { sent, arrived, plants };
}

describe("replay checks on hand-made replays", () => {
  it("pass a span masked as the contract allows: keys removed and dropped, pseudonyms keyed (forged ones too), text redacted and scrubbed", () => {
    const { sent, arrived, plants } = maskedPair();
    const report = judge(sent, arrived, plants);
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.searched.planted).toBe(plants.length);
  });

  describe("the leak oracle", () => {
    it("finds a planted value wherever it comes out, in any form, and says where without quoting it", () => {
      const { sent, arrived, plants } = maskedPair();
      const leaked: Span = {
        ...arrived,
        traceState: "shop=u:ANA.SILVA@EXAMPLE.COM",
        links: [
          {
            traceId: "1".repeat(32),
            spanId: "2".repeat(16),
            traceState: "v=ana.silva%40example.com",
            attributes: [],
            droppedAttributesCount: 0,
            flags: 0,
          },
        ],
      };
      const report = judge({ ...sent, links: leaked.links }, leaked, plants);
      const found = report.findings.filter((f) => f.code === "planted-value");
      expect(found.map((f) => f.where?.path)).toEqual([
        "resourceSpans[0].scopeSpans[0].spans[0].traceState",
        "resourceSpans[0].scopeSpans[0].spans[0].links[0].traceState",
      ]);
      expect(found[0]!.message).toBe(
        "the email planted in span.traceState (21 characters; `detect email` should have removed it) came out in a request to the trace store",
      );
      expect(found[0]!.where).toMatchObject({ request: 0, traceId: sent.traceId, spanId: sent.spanId });
      expect(found[0]!.where!.offset).toEqual(expect.any(Number));
      expect(JSON.stringify(report.findings)).not.toMatch(/ana\.silva/i);
    });

    it("finds a planted value in an attribute key, in bytes, and a number sent as an int that came out as one", () => {
      const { sent, plants } = maskedPair();
      const report = judge(sent, sent, plants);
      const paths = report.findings.filter((f) => f.code === "planted-value").map((f) => f.where?.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/\.attributes\[12\]\.key$/),
          expect.stringMatching(/\.attributes\[11\]\.value\.bytesValue$/),
          expect.stringMatching(/\.attributes\[10\]\.value\.intValue$/),
          "resourceSpans[0].scopeSpans[0].spans[0].name",
        ]),
      );
      expect(report.findings.find((f) => f.where?.path?.endsWith("intValue"))!.message).toContain(
        "came out as a number in a request to the trace store",
      );
    });

    it("finds planted values normalized the way a person reads them: full-width @, zero-width characters, %40", () => {
      const plants = [
        planted("li.wang.7\uFF20example.com"),
        planted("mei.wang.8\u200B@\u200Dexample.com"),
        planted("kwame.doe.9%40example.com"),
      ];
      const sent = span({ attributes: [kv("app.a", "x"), kv("app.b", "y"), kv("app.c", "z")] });
      const arrived = {
        ...sent,
        attributes: [
          kv("app.a", "li.wang.7@example.com"),
          kv("app.b", "mei.wang.8@example.com"),
          kv("app.c", "kwame.doe.9@example.com"),
        ],
      };
      const found = judge(sent, arrived, plants).findings.filter((f) => f.code === "planted-value");
      expect(found).toHaveLength(3);
    });

    it("finds a planted value in the metrics, as a label value or made into a label name, naming only the metric", () => {
      const s = span();
      const metrics = [
        ...flowMetrics(prod, [s]),
        { name: "target_info", labels: { job: "shop-api", app_owner: "jane.doe.5@example.com" }, value: 1 },
        {
          name: "target_info",
          labels: { job: "shop-api", http_request_header_x_omar_li_6_example_com: "1" },
          value: 1,
        },
      ];
      const report = checkReplay(record(prod, [{ span: s }], [request([{ span: s }])], { metrics }), prod, 0.999, [
        planted("jane.doe.5@example.com"),
        planted("omar.li.6@example.com", "span.attributes (in the key)"),
      ]);
      const found = report.findings.filter((f) => f.code === "planted-value");
      expect(found.map((f) => f.where)).toEqual([
        { series: "target_info", line: 2 },
        { series: "target_info", line: 3 },
      ]);
      expect(found[0]!.message).toMatch(/came out in the metrics the collector serves$/);
    });

    it("finds a planted value in the collector's own log", () => {
      const s = span();
      const report = checkReplay(
        record(prod, [{ span: s }], [request([{ span: s }])], {
          metrics: flowMetrics(prod, [s]),
          log: [
            '{"level":"info","msg":"Everything is ready"}',
            '{"level":"warn","msg":"dropping span of jane.doe.5@example.com"}',
          ],
        }),
        prod,
        0.999,
        [planted("jane.doe.5@example.com")],
      );
      expect(report.findings.map((f) => [f.code, f.where])).toEqual([["planted-value", { logLine: 2 }]]);
    });

    it("finds a removed key's name as a whole text only, never inside one: it may be a column in SQL", () => {
      const key: PlantedValue = {
        value: "user_email",
        whole: true,
        kind: "removed key",
        place: "span.attributes (the key)",
        rules: ["remove user.email"],
      };
      const sent = span({ attributes: [kv("db.query.text", "SELECT ? FROM t WHERE user_email = ?")] });
      expect(judge(sent, sent, [key]).findings).toEqual([]);
      const leaked = { ...sent, attributes: [...sent.attributes, kv("user_email", "1")] };
      const found = judge({ ...sent, attributes: leaked.attributes }, leaked, [key]).findings;
      expect(found.map((f) => [f.code, f.where?.path])).toEqual([
        ["planted-value", "resourceSpans[0].scopeSpans[0].spans[0].attributes[1].key"],
        ["removed-key", "resourceSpans[0].scopeSpans[0].spans[0].attributes[1]"],
      ]);
    });

    it("searches for values sent under removed and pseudonymized keys, planted or not", () => {
      const sent = span({
        attributes: [kv("customer.address", "Baker Street 221b"), kv("enduser.id", int(9_876_543))],
      });
      const arrived = {
        ...sent,
        name: "ship to Baker Street 221b",
        attributes: [kv("enduser.id", hmac("9876543")), kv("app.n", int(9_876_543))],
      };
      const report = judge(sent, arrived);
      const found = report.findings.filter((f) => f.code === "planted-value");
      expect(found.map((f) => f.message)).toEqual([
        "the value sent under `customer.address` planted in span attributes (17 characters; `remove customer.address` should have removed it) came out in a request to the trace store",
        "the value sent under `enduser.id` planted in span attributes (7 characters; `pseudonymize enduser.id` should have removed it) came out as a number in a request to the trace store",
      ]);
      expect(found[0]!.where?.path).toBe("resourceSpans[0].scopeSpans[0].spans[0].name");
      expect(report.searched).toEqual({ planted: 0, sent: 2 });
    });
  });

  describe("leaks by the description's own rules", () => {
    it("find a removed key, in any spelling, nested in a map inside a link's attributes", () => {
      const sent = span({
        links: [
          {
            traceId: "1".repeat(32),
            spanId: "2".repeat(16),
            traceState: "",
            flags: 0,
            droppedAttributesCount: 0,
            attributes: [kv("app.customer", kvlist([kv("User_Email", "x")]))],
          },
        ],
      });
      const report = judge(sent, sent);
      const leak = report.findings.find((f) => f.code === "removed-key")!;
      expect(leak.message).toBe("removed key `user.email` arrived");
      expect(leak.where).toMatchObject({
        request: 0,
        path: "resourceSpans[0].scopeSpans[0].spans[0].links[0].attributes[0].value.kvlistValue.values[0]",
        spanId: sent.spanId,
        service: "shop-api",
      });
    });

    it("name the service a leak came from, unless its name is itself personal data", () => {
      const personal = resource([kv("service.name", "ana.silva@example.com")]);
      const sent = span({ attributes: [kv("user.email", "x")] });
      const report = checkReplay(
        record(prod, [{ span: sent, resource: personal }], [request([{ span: sent, resource: personal }])], {
          metrics: flowMetrics(prod, [sent]),
        }),
        prod,
        0.999,
        [planted("ana.silva@example.com", "resource.attributes")],
      );
      const leak = report.findings.find((f) => f.code === "removed-key")!;
      expect(leak.where).toMatchObject({ request: 0, spanId: sent.spanId });
      expect(leak.where).not.toHaveProperty("service");
      expect(JSON.stringify(report.findings)).not.toContain("ana.silva");
    });

    it("find a pseudonymized key that arrived raw, a number as well as a string, without printing the value", () => {
      const sent = span({ attributes: [kv("user.id", "usr-1234567"), kv("enduser.id", int(77))] });
      const raw = judge(sent, sent).findings.filter((f) => f.code === "raw-pseudonymized");
      expect(raw.map((f) => f.message)).toEqual([
        "`user.id` arrived without its pseudonym (a string of 11 characters)",
        "`enduser.id` arrived without its pseudonym (a int of 2 characters)",
      ]);
    });

    it("find a literal left in a scrubbed SQL statement, URL and query", () => {
      const s = span({
        attributes: [
          kv("db.query.text", "SELECT * FROM t WHERE id = 42"),
          kv("url.full", "https://u:pw@h/p?a=?"),
          kv("url.query", "a=?&b=7"),
        ],
      });
      expect(
        judge(s, s)
          .findings.filter((f) => f.code === "unscrubbed-literal")
          .map((f) => f.message),
      ).toEqual([
        "`db.query.text` still holds a literal (2 characters)",
        "`url.full` still holds a literal (2 characters)",
        "`url.query` still holds a literal (1 characters)",
      ]);
    });

    it("find text matching a custom redact_values pattern in any text that came out, names and trace state included", () => {
      const s = span({
        name: "notify ana@example.com",
        traceState: "shop=4111 1111 1111 1111",
        attributes: [kv("customer.id", hmac("c")), kv("app.iban", "DE89 3704 0044 0532 0130 00")],
      });
      const report = judge(s, s, [], () => payments);
      expect(report.findings.filter((f) => f.code === "redact-pattern").map((f) => [f.message, f.where?.path])).toEqual(
        [
          [
            "a request to the trace store holds text matching redact_values.pan",
            "resourceSpans[0].scopeSpans[0].spans[0].traceState",
          ],
          [
            "a request to the trace store holds text matching redact_values.email",
            "resourceSpans[0].scopeSpans[0].spans[0].name",
          ],
          [
            "a request to the trace store holds text matching redact_values.pan",
            "resourceSpans[0].scopeSpans[0].spans[0].attributes[1].value.stringValue",
          ],
          [
            "a request to the trace store holds text matching redact_values.iban",
            "resourceSpans[0].scopeSpans[0].spans[0].attributes[1].value.stringValue",
          ],
        ],
      );
    });

    it("find a removed key and a raw pseudonymized value among metric labels", () => {
      const s = span();
      const metrics = [
        ...flowMetrics(prod, [s]),
        { name: "calls_total", labels: { user_email: "x", user_id: "u1" }, value: 1 },
      ];
      const report = checkReplay(record(prod, [{ span: s }], [request([{ span: s }])], { metrics }), prod, 0.999);
      expect(report.findings.map((f) => f.message)).toEqual([
        "removed key `user.email` is a metric label",
        "metric label for `user.id` holds it without its pseudonym",
      ]);
    });
  });

  describe("integrity", () => {
    it("reports a changed parent, kind, status code, timestamps and lost events", () => {
      const { sent, arrived } = maskedPair();
      const changed = {
        ...arrived,
        parentSpanId: "a".repeat(16),
        kind: 1,
        status: { code: 1, message: "" },
        endTimeUnixNano: sent.endTimeUnixNano + 1n,
        events: [],
      };
      const report = judge(sent, changed);
      expect(report.findings.filter((f) => f.code === "altered").map((f) => f.message)).toEqual([
        "parent changed from (root) to aaaaaaaaaaaaaaaa",
        "start or end time changed",
        "kind changed from 2 to 1",
        "status code changed from 2 to 1",
        "status message changed beyond masking (sent 33 characters, arrived 0 characters)",
        "0 events arrived, 1 were sent",
      ]);
    });

    it("reports an attribute changed beyond masking, lost, or never sent, and a redaction the description does not name", () => {
      const sent = span({
        attributes: [
          kv("http.route", "/api/orders/{orderId}"),
          kv("messaging.destination.name", "costing"),
          kv("app.note", "GET is fine"),
        ],
      });
      const arrived = {
        ...sent,
        attributes: [
          kv("http.route", "/api/orders/"),
          kv("app.note", "[REDACTED:verbs] is fine"),
          kv("app.extra", "x"),
        ],
      };
      const report = judge(sent, arrived);
      expect(report.findings.map((f) => [f.code, f.message, f.where?.path])).toEqual([
        [
          "altered",
          "value changed beyond masking (sent a string of 21 characters, arrived a string of 12 characters)",
          "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value",
        ],
        [
          "altered",
          "an attribute was lost that masking keeps",
          "resourceSpans[0].scopeSpans[0].spans[0].attributes[1]",
        ],
        [
          "altered",
          "value changed beyond masking (sent a string of 11 characters, arrived a string of 24 characters)",
          "resourceSpans[0].scopeSpans[0].spans[0].attributes[1].value",
        ],
        [
          "altered",
          "an attribute arrived that was never sent",
          "resourceSpans[0].scopeSpans[0].spans[0].attributes[2]",
        ],
      ]);
    });

    it("accepts numbers and bytes masked as text, and a schema URL the tail sampler dropped", () => {
      const sent = span({ attributes: [kv("app.n", double(4111111111111111)), kv("app.b", bytes("+49 170 5550123"))] });
      const arrived = {
        ...sent,
        attributes: [kv("app.n", "[REDACTED:card_number]"), kv("app.b", bytes("[REDACTED:phone]"))],
      };
      const report = checkReplay(
        {
          ...record(prod, [{ span: sent }], [request([{ span: arrived }])], { metrics: flowMetrics(prod, [sent]) }),
        },
        prod,
        0.999,
      );
      expect(report.findings).toEqual([]);
    });

    it("reports a pseudonym made with another key, and a forged one that passed through, without printing either", () => {
      const sent = span({
        attributes: [kv("user.id", "usr-4711-x"), kv("enduser.id", "hmac:0123456789abcdef0123456789abcdef")],
      });
      const arrived = {
        ...sent,
        attributes: [
          kv("user.id", hmac("usr-4711-x", "another-key")),
          kv("enduser.id", "hmac:0123456789abcdef0123456789abcdef"),
        ],
      };
      const report = judge(sent, arrived);
      expect(report.findings.map((f) => [f.code, f.where?.path])).toEqual([
        // The forged value was sent under a pseudonymized key: coming out as it was, it is a leak as well.
        ["planted-value", "resourceSpans[0].scopeSpans[0].spans[0].attributes[1].value.stringValue"],
        ["wrong-pseudonym", "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value"],
        ["wrong-pseudonym", "resourceSpans[0].scopeSpans[0].spans[0].attributes[1].value"],
      ]);
      expect(JSON.stringify(report.findings)).not.toMatch(/usr-4711|0123456789abcdef/);
    });

    it("reports a span that was never sent, and a body that is not OTLP", () => {
      const r = record(prod, [], [request([{ span: span() }])]);
      r.garbage.push({ problem: "http: unsupported content-encoding zstd", body: new Uint8Array([1, 2, 3]) });
      const report = checkReplay(r, prod, 0.999);
      expect(codes(report)).toEqual(expect.arrayContaining(["integrity/unknown-span", "integrity/not-otlp"]));
      expect(report.findings.find((f) => f.code === "not-otlp")!.message).toBe(
        "the sink received something that is not OTLP: http: unsupported content-encoding zstd",
      );
    });
  });

  describe("sampling", () => {
    const inFlow = (flow: string, o: Partial<Span> = {}) => span({ attributes: [kv("order.flow", flow)], ...o });
    /** A replay whose flow metrics count exactly the spans sent, so only sampling is judged. */
    const sampled = (sent: Parameters<typeof record>[1], received: Parameters<typeof record>[2]) =>
      checkReplay(
        record(prod, sent, received, {
          metrics: flowMetrics(
            prod,
            sent.map((s) => s.span),
          ),
        }),
        prod,
        0.999,
      );

    it("reports an error trace that was not kept, and accepts a kept one", () => {
      const kept = inFlow("order-upload", { status: { code: 2, message: "" } });
      const dropped = inFlow("order-upload", { status: { code: 2, message: "" } });
      const report = sampled([{ span: kept }, { span: dropped }], [request([{ span: kept }])]);
      expect(report.findings).toEqual([
        {
          check: "sampling",
          code: "error-trace-dropped",
          message: "trace with an error span in order-upload was not kept",
          where: { traceId: dropped.traceId },
        },
      ]);
      expect(report.sampling.rows.find((r) => r.flow === "order-upload")!.errors).toEqual({ total: 2, kept: 1 });
    });

    it("reports a kept trace that names another policy than its class calls for, and counts the ones that name it right", () => {
      const error = inFlow("order-upload", { status: { code: 2, message: "" } });
      const ordinary = inFlow("order-upload");
      const keptBy = (name: string) => scope([kv("tailsampling.policy", name)]);
      const report = sampled(
        [{ span: error }, { span: ordinary }],
        [
          request([
            { span: error, scope: keptBy("order-upload/share") },
            { span: ordinary, scope: keptBy("order-upload/share") },
          ]),
        ],
      );
      expect(report.findings.filter((f) => f.code === "kept-by")).toEqual([
        {
          check: "sampling",
          code: "kept-by",
          message: "trace was kept by `order-upload/share`; its class says `errors`",
          where: { traceId: error.traceId },
        },
      ]);
      expect(report.sampling.keptBy).toEqual({ named: 2, unnamed: 0 });
    });

    it("reports a trace over its flow's SLA that was not kept", () => {
      const slow = inFlow("order-upload", { startTimeUnixNano: 0n, endTimeUnixNano: 6_000_000_000n });
      expect(sampled([{ span: slow }], []).findings.map((f) => f.message)).toEqual([
        "trace over order-upload's SLA of 5s was not kept",
      ]);
    });

    it("accepts a share inside the binomial tolerance and rejects one outside it, stating the confidence", () => {
      const traces = Array.from({ length: 400 }, () => inFlow("order-execution"));
      const keep = (n: number) =>
        sampled(
          traces.map((s) => ({ span: s })),
          traces.slice(0, n).map((s) => request([{ span: s }])),
        );
      expect(keep(200).ok).toBe(true);
      const row = keep(200).sampling.rows.find((r) => r.flow === "order-execution")!;
      expect(row.ordinary).toMatchObject({ total: 400, kept: 200, expected: 0.5, low: 167, high: 233 });
      expect(keep(80).findings.map((f) => f.message)).toEqual([
        "order-execution: kept 80 of 400 ordinary traces (20%); its keep of 50% allows 167–233 at 99.9% confidence",
      ]);
    });

    it("reports a kept trace that lost its late span, and counts late spans that did arrive", () => {
      const root = inFlow("order-costing");
      const late = inFlow("order-costing", { traceId: root.traceId, parentSpanId: root.spanId });
      const sent = [
        { span: root, at: 0 },
        { span: late, at: 5000 },
      ];
      const lost = sampled(sent, [request([{ span: root }])]);
      expect(lost.findings.find((f) => f.code === "incomplete-trace")!.message).toBe(
        "kept trace is missing 1 of 2 spans (1 of them late, sent after the decision)",
      );
      const whole = sampled(sent, [request([{ span: root }]), request([{ span: late }])]);
      expect(whole.findings.filter((f) => f.code === "incomplete-trace")).toEqual([]);
      expect(whole.sampling.lateSpans).toEqual({ total: 1, ofKeptTraces: 1, arrived: 1 });
    });

    it("reports a span kept twice", () => {
      const s = inFlow("order-upload");
      expect(
        sampled([{ span: s }], [request([{ span: s }]), request([{ span: s }])]).findings.map((f) => f.message),
      ).toEqual(["span arrived 2 times"]);
    });

    it("reports flow metrics that counted fewer spans than were sent, as when computed after sampling", () => {
      const spans = Array.from({ length: 10 }, () => inFlow("order-confirmation"));
      const report = checkReplay(
        record(
          prod,
          spans.map((s) => ({ span: s })),
          spans.slice(0, 3).map((s) => request([{ span: s }])),
          { metrics: flowMetrics(prod, spans.slice(0, 3)) },
        ),
        prod,
        0.999,
      );
      expect(report.findings.map((f) => f.message)).toEqual([
        "span metrics counted 3 of the 10 spans sent in order-confirmation; flow metrics must be computed on every span, before sampling",
      ]);
    });

    it("fails when the flow metrics cannot be read, also when the config that ran had none: the check never switches itself off", () => {
      const s = inFlow("order-upload");
      const report = checkReplay(
        record(prod, [{ span: s }], [request([{ span: s }])], {
          config: withoutFlowMetrics(prod),
          metricsError: "scraping 127.0.0.1:1: connect ECONNREFUSED",
        }),
        prod,
        0.999,
      );
      expect(report.findings.map((f) => [f.code, f.message])).toEqual([
        ["flow-metrics-missing", "the flow metrics could not be read: scraping 127.0.0.1:1: connect ECONNREFUSED"],
      ]);
    });

    it("does not judge a trace whose error arrived too close to the decision to know whether the collector saw it", () => {
      const root = inFlow("order-upload");
      const failing = inFlow("order-upload", { traceId: root.traceId, status: { code: 2, message: "" } });
      const report = sampled(
        [
          { span: root, at: 0 },
          { span: failing, at: 1900 },
        ],
        [],
      );
      expect(report.findings).toEqual([]);
      expect(report.sampling.rows.find((r) => r.flow === "order-upload")!.undecidable).toBe(1);
    });

    it("dates a span's arrival by the collector's answer too: an error sent early but answered late may have missed the decision", () => {
      const root = inFlow("order-upload");
      const failing = inFlow("order-upload", { traceId: root.traceId, status: { code: 2, message: "" } });
      const sent = (answered: number) => [
        { span: root, at: 0 },
        { span: failing, at: 100, answered },
      ];
      // Answered at once: the error was surely in the decision, so dropping the trace is a finding.
      expect(sampled(sent(120), []).findings.map((f) => f.code)).toEqual(["error-trace-dropped"]);
      // Answered 1.9 s later (a harness short of CPU hears late): it may have arrived after the decision.
      const late = sampled(sent(1900), []);
      expect(late.findings).toEqual([]);
      expect(late.sampling.rows.find((r) => r.flow === "order-upload")!.undecidable).toBe(1);
    });
  });
});

describe("binomial tolerance", () => {
  it("is the central interval holding the confidence, alpha/2 in each tail", () => {
    // Binomial(100, 0.5): P(X <= 39) = 0.0176, P(X <= 40) = 0.0284.
    expect(binomialTolerance(100, 0.5, 0.95)).toEqual({ low: 40, high: 60 });
    expect(binomialTolerance(50, 0, 0.999)).toEqual({ low: 0, high: 0 });
    expect(binomialTolerance(50, 1, 0.999)).toEqual({ low: 50, high: 50 });
    expect(binomialUpperBound(100, 0.5, 0.95)).toBe(58);
  });
});

describe("what counts as scrubbed", () => {
  it.each([
    ["sql", 'SELECT a1, "x\'y" FROM t WHERE id = ? AND n = $1 LIMIT ?', undefined],
    ["sql", "SELECT * FROM t WHERE email = 'a@b.c'", "'a@b.c'"],
    ["sql", "UPDATE t SET total = 129.90", "129.90"],
    ["sql", "SELECT $$secret$$", "$$secret$$"],
    ["url", "https://user:?@h/p?a=?&b=?#frag", undefined],
    ["url", "https://h/p?token=abc", "abc"],
    ["url", "/p?token=abc", "abc"],
    ["url", "https://h/p#access_token=xyz", "xyz"],
    ["query", "a=?&b=?;c", undefined],
    ["auto", "https://h/p?n=1", "1"],
    ["auto", "a=1&b=2", "1"],
    ["auto", "SELECT 1", "1"],
  ] as const)("%s %s", (kind, value, literal) => {
    expect(unscrubbedLiteral(kind, value)).toBe(literal);
  });
});

describe("what counts as masked", () => {
  const names = new Set(["email", "card_number"]);
  it("is the text sent, or normalized, with parts replaced by ? or a redaction the description names", () => {
    expect(maskedFrom("https://user:?@h/p?e=?&n=?", "https://user:pw@h/p?e=a%40b.c&n=1", names)).toBe(true);
    expect(
      maskedFrom(
        "SELECT * FROM t WHERE e = ? AND x = '[REDACTED:email]'",
        "SELECT * FROM t WHERE e = 1 AND x = 'a@b.cd'",
        names,
      ),
    ).toBe(true);
    expect(maskedFrom("mail [REDACTED:email] now", "mail ana\uFF20example.com now", names)).toBe(true);
    expect(maskedFrom("mail [REDACTED:email] now", "mail ana%40example.com now", names)).toBe(true);
    expect(maskedFrom("SELECT * FROM other WHERE id = ?", "SELECT * FROM t WHERE id = 1", names)).toBe(false);
    expect(maskedFrom("SELECT ?", "SELECT ", names)).toBe(false);
    expect(maskedFrom("mail [REDACTED:mail] now", "mail a@b.cd now", names)).toBe(false);
  });
});
