import { describe, expect, it } from "vitest";
import { compileCollectorConfig } from "../src/compile/index.js";
import { resolveEnvironment } from "../src/resolve/resolve.js";
import type { Description } from "../src/schema/description.js";
import type { MaskingConfig, Policy, TransformConfig } from "../src/collector/components.js";
import { loadRepoDescription } from "./helpers/repo.js";

const shop = (await loadRepoDescription("tracing.yaml")).description;
const configOf = (description: Description, env: string) =>
  compileCollectorConfig(resolveEnvironment(description, env));
const withOverlay = (overlay: Record<string, unknown>): Description => ({
  ...structuredClone(shop),
  environments: { ...shop.environments, test: overlay as Description["environments"][string] },
});

describe("pipeline principles hold in every environment", () => {
  for (const env of Object.keys(shop.environments)) {
    const config = configOf(shop, env);
    const pipelines = Object.entries(config.service.pipelines);

    it(`${env}: memory_limiter is the first processor of every pipeline`, () => {
      for (const [, p] of pipelines) expect(p.processors[0]).toBe("memory_limiter");
    });

    it(`${env}: batch comes last, after sampling`, () => {
      for (const [, p] of pipelines) {
        if (p.processors.includes("batch")) expect(p.processors.at(-1)).toBe("batch");
      }
      const sampled = config.service.pipelines["traces/sampled"];
      expect(sampled?.processors.indexOf("tail_sampling")).toBeLessThan(sampled?.processors.indexOf("batch") ?? -1);
    });

    it(`${env}: masking runs in the only pipeline fed by the receiver, before the fan-out to metrics and sampling`, () => {
      const fed = pipelines.filter(([, p]) => p.receivers.includes("otlp"));
      expect(fed.map(([n]) => n)).toEqual(["traces/ingest"]);
      const ingest = fed[0]?.[1];
      expect(ingest?.processors).toContain("masking");
      expect(ingest?.exporters.sort()).toEqual(["forward/sampling", "span_metrics"]);
    });

    it(`${env}: span metrics are computed before tail sampling`, () => {
      const sampling = pipelines.find(([, p]) => p.processors.includes("tail_sampling"));
      expect(sampling?.[1].exporters).not.toContain("span_metrics");
      expect(config.service.pipelines["traces/ingest"]?.processors).not.toContain("tail_sampling");
    });

    it(`${env}: spans are kept on error, whatever their flow`, () => {
      const policies = (config.processors["tail_sampling"] as { policies: Policy[] }).policies;
      expect(policies[0]).toEqual({ name: "errors", type: "status_code", status_code: { status_codes: ["ERROR"] } });
    });
  }
});

describe("production", () => {
  const prod = configOf(shop, "prod");
  it("serves every listener with TLS, requiring client certificates under mTLS", () => {
    const otlp = prod.receivers["otlp"] as { protocols: Record<string, { tls?: { client_ca_file?: string } }> };
    for (const protocol of Object.values(otlp.protocols))
      expect(protocol.tls?.client_ca_file).toBe("/etc/tracegen/tls/ca.pem");
    expect((prod.exporters["prometheus"] as { tls?: unknown }).tls).toBeDefined();
  });
  it("authenticates senders with the bearer token file and references no literal secret", () => {
    expect(prod.extensions["bearertokenauth"]).toEqual({ filename: "/etc/tracegen/secrets/ingest-token" });
    expect((prod.processors["masking"] as { pseudonymize: { key: string } }).pseudonymize.key).toBe(
      "${env:TRACEGEN_PSEUDONYM_KEY}",
    );
  });
  it("has no debug exporter", () => {
    expect(Object.keys(prod.exporters)).not.toContain("debug");
  });
});

describe("tail sampling per flow", () => {
  const policies = (d: Description, env: string) =>
    (configOf(d, env).processors["tail_sampling"] as { policies: Policy[] }).policies;

  it("keeps each flow's share with a trace-id hash salted by the system name", () => {
    const upload = policies(shop, "prod").find((p) => p.name === "order-upload/share");
    expect(upload?.and?.and_sub_policy).toEqual([
      { name: "in-flow", type: "string_attribute", string_attribute: { key: "order.flow", values: ["order-upload"] } },
      { name: "share", type: "probabilistic", probabilistic: { hash_salt: "shop3d", sampling_percentage: 10 } },
    ]);
  });

  it("keeps traces over the flow's SLA", () => {
    const slow = policies(shop, "prod").find((p) => p.name === "order-execution/over-sla");
    expect(slow?.and?.and_sub_policy[1]).toEqual({ name: "slow", type: "latency", latency: { threshold_ms: 900_000 } });
  });

  it("wraps the no-flow rule in an `and` even at 100%, where an inverted match never vetoes other policies", () => {
    const unmatched = policies(shop, "dev").find((p) => p.name === "unmatched");
    expect(unmatched?.type).toBe("and");
    expect(policies(shop, "dev").filter((p) => p.string_attribute?.invert_match)).toEqual([]);
  });

  it("drops the error and over-SLA policies when the description samples them like other traces", () => {
    const names = policies(withOverlay({ sampling: { errors: "as_flow", slower_than_sla: "as_flow" } }), "test").map(
      (p) => p.name,
    );
    expect(names).not.toContain("errors");
    expect(names.some((n) => n.endsWith("/over-sla"))).toBe(false);
  });

  it("omits a flow kept at 0% and keeps a flow at 100% without a hash", () => {
    const list = policies(
      withOverlay({
        flows: { "order-upload": { sampling: { keep: "0%" } }, "order-costing": { sampling: { keep: "100%" } } },
      }),
      "test",
    );
    expect(list.find((p) => p.name === "order-upload/share")).toBeUndefined();
    expect(list.find((p) => p.name === "order-costing/share")?.type).toBe("string_attribute");
  });

  it("sizes the decision cache for late spans of the slowest flow", () => {
    const ts = configOf(shop, "prod").processors["tail_sampling"] as {
      decision_cache: { sampled_cache_size: number };
      num_traces: number;
    };
    expect(ts.decision_cache.sampled_cache_size).toBe(2000 * 15 * 60);
    expect(ts.num_traces).toBe(2000 * 30 * 2);
  });
});

describe("flow metrics", () => {
  it("add the flow attribute as a dimension and each SLA as a histogram bucket", () => {
    const d = withOverlay({
      flows: { "order-upload": { sla: "7s" } },
      exporters: { prometheus: { dimensions: ["http.route"] } },
    });
    const spanMetrics = configOf(d, "test").connectors["span_metrics"] as {
      dimensions: Array<{ name: string }>;
      histogram: { explicit: { buckets: string[] } };
    };
    expect(spanMetrics.dimensions.map((x) => x.name)).toEqual(["order.flow", "http.route"]);
    expect(spanMetrics.histogram.explicit.buckets).toContain("7s");
  });
});

describe("jaeger over OTLP/HTTP", () => {
  it("uses an https URL when TLS is on and plain http on loopback without TLS", () => {
    const prod = configOf(withOverlay({ exporters: { jaeger: { protocol: "http" } } }), "test");
    expect((prod.exporters["otlp_http/jaeger"] as { endpoint: string }).endpoint).toBe(
      "https://${env:JAEGER_OTLP_ENDPOINT}",
    );
    const dev = configOf(
      withOverlay({
        ...shop.environments["dev"],
        exporters: { jaeger: { protocol: "http", endpoint: "localhost:14318" } },
      }),
      "test",
    );
    expect((dev.exporters["otlp_http/jaeger"] as { endpoint: string }).endpoint).toBe("http://localhost:14318");
  });
});

describe("a flow's span budget", () => {
  it("caps the flow's share with a rate limit evaluated after the share, leaving errors and over-SLA uncapped", () => {
    const d = withOverlay({ flows: { "order-upload": { sampling: { keep: "10%", max_spans_per_second: 500 } } } });
    const list = (configOf(d, "test").processors["tail_sampling"] as { policies: Policy[] }).policies;
    const upload = list.find((p) => p.name === "order-upload/share");
    expect(upload?.and?.and_sub_policy.map((p) => p.type)).toEqual([
      "string_attribute",
      "probabilistic",
      "rate_limiting",
    ]);
    expect(upload?.and?.and_sub_policy[2]?.rate_limiting).toEqual({ spans_per_second: 500 });
    expect(list.find((p) => p.name === "order-upload/over-sla")?.and?.and_sub_policy.map((p) => p.type)).toEqual([
      "string_attribute",
      "latency",
    ]);
    expect(list[0]?.name).toBe("errors");
  });
});

describe("masking", () => {
  const maskingOf = (d: Description, env: string) => configOf(d, env).processors["masking"] as MaskingConfig;

  it("turns on the detectors the description names, scrubs names, and sees numbers unless told otherwise", () => {
    const dev = maskingOf(shop, "dev");
    expect(dev.detectors).toEqual(shop.masking?.detect);
    expect(dev.scrub_names).toBe(true);
    expect(dev.numbers).toBe(true);
    expect(maskingOf(withOverlay({ masking: { numbers: false } }), "test").numbers).toBe(false);
  });

  it("states every scrubbed key's kind: well-known keys by the semantic conventions, others auto, a written kind as written", () => {
    const d = withOverlay({
      masking: {
        scrub_queries: [
          "http.url",
          "url.original",
          "HTTP_TARGET",
          "url.path",
          "url.query",
          "db.statement",
          "db.query.text",
          "app.search",
          { key: "app.report_sql", kind: "sql" },
          { key: "url.full", kind: "auto" },
        ],
      },
    });
    expect(maskingOf(d, "test").scrub_queries).toEqual([
      { key: "http.url", kind: "url" },
      { key: "url.original", kind: "url" },
      { key: "HTTP_TARGET", kind: "url" },
      { key: "url.path", kind: "url" },
      { key: "url.query", kind: "query" },
      { key: "db.statement", kind: "sql" },
      { key: "db.query.text", kind: "sql" },
      { key: "app.search", kind: "auto" },
      { key: "app.report_sql", kind: "sql" },
      { key: "url.full", kind: "auto" },
    ]);
  });

  it("asks for a pseudonym key of at least 32 bytes in production only", () => {
    expect(maskingOf(shop, "prod").pseudonymize.min_key_bytes).toBe(32);
    expect(maskingOf(withOverlay({ tier: "production" }), "test").pseudonymize.min_key_bytes).toBe(32);
    for (const env of ["dev", "staging"]) expect(maskingOf(shop, env).pseudonymize).not.toHaveProperty("min_key_bytes");
  });

  it("has no allow list in the listed mode", () => {
    expect(maskingOf(shop, "prod")).not.toHaveProperty("allow");
  });

  it("in allow-list mode, allows what the description names and the semantic-conventions attributes without free text", () => {
    const allow = maskingOf(
      withOverlay({ masking: { mode: "allow_list", allow: ["order.id", "http.route"], otherwise: "pseudonymize" } }),
      "test",
    ).allow;
    expect(allow?.otherwise).toBe("pseudonymize");
    const keys = allow?.keys ?? [];
    // The description's own first, in its order: allow, pseudonymize, scrub_queries, the flow attribute,
    // the metric dimensions, the resource attributes that reach metrics.
    expect(keys.slice(0, 6)).toEqual([
      "order.id",
      "http.route",
      "user.id",
      "enduser.id",
      "client.address",
      "network.peer.address",
    ]);
    for (const key of [
      "db.statement",
      "url.full",
      "order.flow",
      "messaging.destination.name",
      "db.collection.name",
      "service.name",
      "service.instance.id",
      "http.response.status_code",
      "http.request.method",
      "server.port",
      "error.type",
    ])
      expect(keys).toContain(key);
    for (const key of [
      "user.email",
      "url.path",
      "server.address",
      "geo.location.lat",
      "process.user.id",
      "user_agent.original",
    ])
      expect(keys).not.toContain(key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("never allows a key that masking.remove names, in whatever spelling", () => {
    const keys =
      maskingOf(
        withOverlay({ masking: { mode: "allow_list", allow: ["order.id"], remove: ["HTTP_RESPONSE_STATUS_CODE"] } }),
        "test",
      ).allow?.keys ?? [];
    expect(keys).toContain("order.id");
    expect(keys).not.toContain("http.response.status_code");
  });

  it("is on with detectors alone, or with the allow list alone", () => {
    const only = (masking: Record<string, unknown>) =>
      configOf(withOverlay({ masking }), "test").service.pipelines["traces/ingest"]?.processors;
    const none = { remove: [], pseudonymize: [], scrub_queries: [], detect: [] };
    expect(only({ ...none, detect: ["email"] })).toContain("masking");
    expect(only({ ...none, mode: "allow_list", allow: ["order.id"] })).toContain("masking");
    expect(only(none)).not.toContain("masking");
  });
});

describe("flow metrics keep only the listed resource attributes", () => {
  it("drop every other resource attribute between the span metrics and the Prometheus exporter", () => {
    const config = configOf(shop, "prod");
    expect(config.service.pipelines["metrics/flows"]?.processors).toEqual([
      "memory_limiter",
      "transform/metrics_resource",
      "batch",
    ]);
    expect(config.processors["transform/metrics_resource"]).toEqual({
      error_mode: "propagate",
      metric_statements: [
        {
          context: "resource",
          statements: [
            'keep_keys(attributes, ["service.name", "service.namespace", "service.instance.id", "service.version", "deployment.environment.name"])',
          ],
        },
      ],
    });
  });

  it("keep what the description lists instead", () => {
    const d = withOverlay({
      exporters: { prometheus: { resource_attributes: ["service.name", "service.instance.id", "k8s.pod.name"] } },
    });
    expect(
      (configOf(d, "test").processors["transform/metrics_resource"] as TransformConfig).metric_statements[0]
        ?.statements,
    ).toEqual(['keep_keys(attributes, ["service.name", "service.instance.id", "k8s.pod.name"])']);
  });
});
