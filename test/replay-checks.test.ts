import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { array, int, kv, kvlist, type Span } from "../src/otlp/model.js";
import { resolveEnvironment, type ResolvedEnvironment } from "../src/resolve/resolve.js";
import { binomialTolerance, binomialUpperBound } from "../src/replay/checks/binomial.js";
import { checkReplay } from "../src/replay/checks/index.js";
import { unscrubbedLiteral } from "../src/replay/checks/literals.js";
import { matchesScrubbed } from "../src/replay/checks/masking-oracle.js";
import { flowMetrics, KEY, record, request, resource, scope, span, withoutFlowMetrics } from "./replay-helpers.js";
import { loadRepoDescription } from "./helpers/repo.js";

const hmac = (v: string) => `hmac:${createHmac("sha256", KEY).update(v).digest("hex").slice(0, 32)}`;
const codes = (r: ReturnType<typeof checkReplay>) => r.findings.map((f) => `${f.check}/${f.code}`);

let prod: ResolvedEnvironment;
beforeAll(async () => {
  const { description } = await loadRepoDescription("tracing.yaml");
  prod = resolveEnvironment(description, "prod");
});

/** A span the way a service sends it, and the same span the way masking must deliver it. */
function maskedPair(): { sent: Span; arrived: Span } {
  const sent = span({
    name: "notify ana.silva@example.com",
    attributes: [
      kv("order.flow", "order-execution"),
      kv("order.id", "ORD-4711"),
      kv("http.route", "/api/orders/{orderId}"),
      kv("user.email", "ana.silva@example.com"),
      kv("user.id", "usr-4711-x"),
      kv("enduser.id", int(4242)),
      kv("db.query.text", "SELECT * FROM orders WHERE id = 42 AND email = 'ana.silva@example.com'"),
      kv("app.note", "call +49 170 5550123 now"),
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
    name: "notify [REDACTED:email]",
    attributes: [
      kv("order.flow", "order-execution"),
      kv("order.id", "ORD-4711"),
      kv("http.route", "/api/orders/{orderId}"),
      kv("user.id", hmac("usr-4711-x")),
      kv("enduser.id", hmac("4242")),
      kv("db.query.text", "SELECT * FROM orders WHERE id = ? AND email = ?"),
      kv("app.note", "call [REDACTED:phone] now"),
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
  return { sent, arrived };
}

describe("replay checks on hand-made replays", () => {
  it("pass a span masked exactly as the rules say: removed, pseudonymized with the keyed HMAC, scrubbed, redacted", () => {
    const { sent, arrived } = maskedPair();
    const report = checkReplay(
      record(prod, [{ span: sent }], [request([{ span: arrived }])], { metrics: flowMetrics(prod, [sent]) }),
      prod.pipeline,
      0.999,
    );
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
  });

  describe("leaks", () => {
    it("find a removed key nested in a map inside a link's attributes, and say where it arrived", () => {
      const sent = span({
        links: [
          {
            traceId: "1".repeat(32),
            spanId: "2".repeat(16),
            traceState: "",
            flags: 0,
            droppedAttributesCount: 0,
            attributes: [kv("app.customer", kvlist([kv("user.email", "x")]))],
          },
        ],
      });
      const report = checkReplay(record(prod, [{ span: sent }], [request([{ span: sent }])]), prod.pipeline, 0.999);
      const leak = report.findings.find((f) => f.code === "removed-key")!;
      expect(leak.message).toBe("removed key `user.email` arrived");
      expect(leak.where).toMatchObject({
        request: 0,
        path: 'resourceSpans[0].scopeSpans[0].spans[0].links[0].attributes["app.customer"]["user.email"]',
        spanId: sent.spanId,
        service: "shop-api",
      });
    });

    it("find a pseudonymized key that arrived raw, a number as well as a string, without printing the value", () => {
      const sent = span({ attributes: [kv("user.id", "usr-1234567"), kv("enduser.id", int(77))] });
      const report = checkReplay(record(prod, [{ span: sent }], [request([{ span: sent }])]), prod.pipeline, 0.999);
      const raw = report.findings.filter((f) => f.code === "raw-pseudonymized");
      expect(raw.map((f) => f.message)).toEqual([
        "`user.id` arrived without its pseudonym (a string of 11 characters)",
        "`enduser.id` arrived without its pseudonym (a int of 2 characters)",
      ]);
      expect(JSON.stringify(report.findings)).not.toContain("usr-1234567");
    });

    it("find text matching a redaction rule in a status message, an event name, a resource and a scope", () => {
      const s = span({
        status: { code: 2, message: "mail ana@example.com" },
        events: [{ timeUnixNano: 1n, name: "sent to ana@example.com", attributes: [], droppedAttributesCount: 0 }],
      });
      const res = resource([kv("service.name", "shop-api"), kv("owner", "Bearer abc.def")]);
      const sc = { name: "s", version: "1", attributes: [kv("contact", "+49 170 5550123")], droppedAttributesCount: 0 };
      const report = checkReplay(
        record(prod, [{ span: s, resource: res, scope: sc }], [request([{ span: s, resource: res, scope: sc }])]),
        prod.pipeline,
        0.999,
      );
      const places = report.findings.filter((f) => f.code === "redact-pattern").map((f) => f.message);
      expect(places).toEqual(
        expect.arrayContaining([
          "status message holds text matching redact_values.email",
          "event name holds text matching redact_values.email",
          "attribute `owner` holds text matching redact_values.bearer_token",
          "attribute `contact` holds text matching redact_values.phone",
        ]),
      );
    });

    it("never print personal data in a location: span names are shown masked, or withheld when they hold a raw value", () => {
      const s = span({ name: "notify ana@example.com", attributes: [kv("customer.address", "Baker Street 221b")] });
      const leaked = { ...s, name: "ship to Baker Street 221b" };
      const report = checkReplay(
        record(
          prod,
          [{ span: s }, { span: { ...s, spanId: "f".repeat(16) } }],
          [request([{ span: s }, { span: { ...leaked, spanId: "f".repeat(16) } }])],
        ),
        prod.pipeline,
        0.999,
      );
      const names = new Set(report.findings.map((f) => f.where?.spanName));
      expect(names).toEqual(new Set(["notify [REDACTED:email]", "(name withheld: it holds a raw personal value)"]));
      expect(JSON.stringify(report.findings)).not.toMatch(/ana@example\.com|Baker Street/);
    });

    it("find a literal left in a scrubbed SQL statement, URL query and URL password", () => {
      const s = span({
        attributes: [
          kv("db.query.text", "SELECT * FROM t WHERE id = 42"),
          kv("url.full", "https://u:pw@h/p?a=?"),
          kv("url.query", "a=?&b=7"),
        ],
      });
      const report = checkReplay(record(prod, [{ span: s }], [request([{ span: s }])]), prod.pipeline, 0.999);
      expect(report.findings.filter((f) => f.code === "unscrubbed-literal").map((f) => f.message)).toEqual([
        "`db.query.text` still holds a literal (2 characters)",
        "`url.full` still holds a literal (2 characters)",
        "`url.query` still holds a literal (1 characters)",
      ]);
    });

    it("find a raw value of a removed key that reappears elsewhere, in a span name", () => {
      const sent = span({ attributes: [kv("customer.address", "Baker Street 221b")] });
      const arrived = { ...sent, name: "ship to Baker Street 221b", attributes: [] };
      const report = checkReplay(record(prod, [{ span: sent }], [request([{ span: arrived }])]), prod.pipeline, 0.999);
      const f = report.findings.find((x) => x.code === "raw-value")!;
      expect(f.message).toBe("span name holds the raw value of `customer.address` (17 characters) that was sent");
      expect(f.where?.path).toBe("resourceSpans[0].scopeSpans[0].spans[0].name");
    });

    it("find personal data in metric labels: a removed key as a label, a redaction-rule match as a value", () => {
      const s = span();
      const metrics = [
        {
          name: "traces_span_metrics_duration_seconds_count",
          labels: { user_email: "x", span_name: "notify ana@example.com" },
          value: 1,
        },
      ];
      const report = checkReplay(
        record(prod, [{ span: s }], [request([{ span: s }])], { metrics }),
        prod.pipeline,
        0.999,
      );
      expect(report.findings.filter((f) => f.check === "leaks").map((f) => [f.message, f.where?.path])).toEqual([
        ["removed key `user.email` is a metric label", "label user_email"],
        ["metric label `span_name` holds text matching redact_values.email", "label span_name"],
      ]);
    });
  });

  describe("integrity", () => {
    it("reports a changed parent, kind, status code and timestamps", () => {
      const sent = span({ parentSpanId: "a".repeat(16) });
      const arrived = {
        ...sent,
        parentSpanId: "",
        kind: 1,
        status: { code: 1, message: "" },
        endTimeUnixNano: sent.endTimeUnixNano + 1n,
      };
      const report = checkReplay(record(prod, [{ span: sent }], [request([{ span: arrived }])]), prod.pipeline, 0.999);
      expect(codes(report)).toEqual(
        expect.arrayContaining([
          "integrity/parent-link",
          "integrity/span-kind",
          "integrity/status-code",
          "integrity/timestamps",
        ]),
      );
    });

    it("reports a non-sensitive attribute that changed or was lost", () => {
      const sent = span({
        attributes: [kv("http.route", "/api/orders/{orderId}"), kv("messaging.destination.name", "costing")],
      });
      const arrived = { ...sent, attributes: [kv("http.route", "/api/orders/?")] };
      const report = checkReplay(record(prod, [{ span: sent }], [request([{ span: arrived }])]), prod.pipeline, 0.999);
      expect(report.findings.map((f) => f.message)).toEqual([
        'attribute changed beyond masking: expected "/api/orders/{orderId}", arrived "/api/orders/?"',
        'attribute was lost (expected "costing")',
      ]);
    });

    it("reports error details masked beyond their sensitive parts", () => {
      const { sent, arrived } = maskedPair();
      const overdone = { ...arrived, status: { code: 2, message: "[REDACTED]" }, events: [] };
      const report = checkReplay(record(prod, [{ span: sent }], [request([{ span: overdone }])]), prod.pipeline, 0.999);
      expect(codes(report)).toEqual(expect.arrayContaining(["integrity/error-details", "integrity/events"]));
      expect(report.findings.find((f) => f.code === "error-details")!.message).toContain(
        'expected "card [REDACTED:card_number] declined"',
      );
    });

    it("reports a pseudonym that is not the keyed HMAC of the value, without printing what arrived", () => {
      const sent = span({ attributes: [kv("user.id", "usr-4711-x")] });
      const unkeyed = `hmac:${createHmac("sha256", "another-key").update("usr-4711-x").digest("hex").slice(0, 32)}`;
      const report = checkReplay(
        record(prod, [{ span: sent }], [request([{ span: { ...sent, attributes: [kv("user.id", unkeyed)] } }])]),
        prod.pipeline,
        0.999,
      );
      expect(report.findings.map((f) => f.message)).toEqual([
        `attribute changed beyond masking: expected "${hmac("usr-4711-x")}", arrived a value that is not its pseudonym (string of 37 characters)`,
      ]);
    });

    it("reports a span that was never sent", () => {
      const report = checkReplay(record(prod, [], [request([{ span: span() }])]), prod.pipeline, 0.999);
      expect(codes(report)).toContain("integrity/unknown-span");
    });
  });

  describe("sampling", () => {
    const inFlow = (flow: string, o: Partial<Span> = {}) => span({ attributes: [kv("order.flow", flow)], ...o });

    it("reports an error trace that was not kept, and accepts a kept one", () => {
      const kept = inFlow("order-upload", { status: { code: 2, message: "" } });
      const dropped = inFlow("order-upload", { status: { code: 2, message: "" } });
      const report = checkReplay(
        record(prod, [{ span: kept }, { span: dropped }], [request([{ span: kept }])], {
          config: withoutFlowMetrics(prod),
        }),
        prod.pipeline,
        0.999,
      );
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
      const report = checkReplay(
        record(
          prod,
          [{ span: error }, { span: ordinary }],
          [
            request([
              { span: error, scope: keptBy("order-upload/share") },
              { span: ordinary, scope: keptBy("order-upload/share") },
            ]),
          ],
          { config: withoutFlowMetrics(prod) },
        ),
        prod.pipeline,
        0.999,
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
      const report = checkReplay(
        record(prod, [{ span: slow }], [], { config: withoutFlowMetrics(prod) }),
        prod.pipeline,
        0.999,
      );
      expect(report.findings.map((f) => f.message)).toEqual(["trace over order-upload's SLA of 5s was not kept"]);
    });

    it("accepts a share inside the binomial tolerance and rejects one outside it, stating the confidence", () => {
      const traces = Array.from({ length: 400 }, () => inFlow("order-execution"));
      const keep = (n: number) => traces.slice(0, n).map((s) => request([{ span: s }]));
      const judge = (n: number) =>
        checkReplay(
          record(
            prod,
            traces.map((s) => ({ span: s })),
            keep(n),
            { config: withoutFlowMetrics(prod) },
          ),
          prod.pipeline,
          0.999,
        );
      expect(judge(200).ok).toBe(true);
      const row = judge(200).sampling.rows.find((r) => r.flow === "order-execution")!;
      expect(row.ordinary).toMatchObject({ total: 400, kept: 200, expected: 0.5, low: 167, high: 233 });
      const low = judge(80);
      expect(low.findings.map((f) => f.message)).toEqual([
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
      const lost = checkReplay(
        record(prod, sent, [request([{ span: root }])], { config: withoutFlowMetrics(prod) }),
        prod.pipeline,
        0.999,
      );
      expect(lost.findings.find((f) => f.code === "incomplete-trace")!.message).toBe(
        "kept trace is missing 1 of 2 spans (1 of them late, sent after the decision)",
      );
      const whole = checkReplay(
        record(prod, sent, [request([{ span: root }]), request([{ span: late }])], {
          config: withoutFlowMetrics(prod),
        }),
        prod.pipeline,
        0.999,
      );
      expect(whole.findings.filter((f) => f.code === "incomplete-trace")).toEqual([]);
      expect(whole.sampling.lateSpans).toEqual({ total: 1, ofKeptTraces: 1, arrived: 1 });
    });

    it("reports a span kept twice", () => {
      const s = inFlow("order-upload");
      const report = checkReplay(
        record(prod, [{ span: s }], [request([{ span: s }]), request([{ span: s }])], {
          config: withoutFlowMetrics(prod),
        }),
        prod.pipeline,
        0.999,
      );
      expect(report.findings.map((f) => f.message)).toEqual(["span arrived 2 times"]);
    });

    it("reports flow metrics that counted fewer spans than were sent, as when computed after sampling", () => {
      const spans = Array.from({ length: 10 }, () => inFlow("order-confirmation"));
      const metrics = flowMetrics(prod, spans.slice(0, 3));
      const kept = spans.slice(0, 3).map((s) => request([{ span: s }]));
      const report = checkReplay(
        record(
          prod,
          spans.map((s) => ({ span: s })),
          kept,
          { metrics },
        ),
        prod.pipeline,
        0.999,
      );
      expect(report.findings.map((f) => f.message)).toEqual([
        "span metrics counted 3 of the 10 spans sent in order-confirmation; flow metrics must be computed on every span, before sampling",
      ]);
    });

    it("does not judge a trace whose error arrived too close to the decision to know whether the collector saw it", () => {
      const root = inFlow("order-upload");
      const failing = inFlow("order-upload", { traceId: root.traceId, status: { code: 2, message: "" } });
      const report = checkReplay(
        record(
          prod,
          [
            { span: root, at: 0 },
            { span: failing, at: 1900 },
          ],
          [],
          { config: withoutFlowMetrics(prod) },
        ),
        prod.pipeline,
        0.999,
      );
      expect(report.findings).toEqual([]);
      expect(report.sampling.rows.find((r) => r.flow === "order-upload")!.undecidable).toBe(1);
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
    ["db.query.text", 'SELECT a1, "x\'y" FROM t WHERE id = ? AND n = $1 LIMIT ?', undefined],
    ["db.query.text", "SELECT * FROM t WHERE email = 'a@b.c'", "'a@b.c'"],
    ["db.query.text", "UPDATE t SET total = 129.90", "129.90"],
    ["db.query.text", "SELECT $$secret$$", "$$secret$$"],
    ["url.full", "https://user:?@h/p?a=?&b=?#frag", undefined],
    ["url.full", "https://h/p?token=abc", "abc"],
    ["url.full", "https://h/p#access_token=xyz", "xyz"],
    ["url.query", "a=?&b=?;c", undefined],
  ])("%s %s", (key, value, literal) => {
    expect(unscrubbedLiteral(key, value)).toBe(literal);
  });

  it("matches a masked value to what was sent, each ? or [REDACTED:rule] standing for one or more characters", () => {
    expect(matchesScrubbed("https://user:?@h/p?e=?&n=?", "https://user:pw@h/p?e=a%40b.c&n=1")).toBe(true);
    expect(
      matchesScrubbed(
        "SELECT * FROM t WHERE e = ? AND x = '[REDACTED:email]'",
        "SELECT * FROM t WHERE e = 1 AND x = 'a@b.cd'",
      ),
    ).toBe(true);
    expect(matchesScrubbed("SELECT * FROM other WHERE id = ?", "SELECT * FROM t WHERE id = 1")).toBe(false);
    expect(matchesScrubbed("SELECT ?", "SELECT ")).toBe(false);
  });
});
