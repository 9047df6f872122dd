import { describe, expect, it } from "vitest";
import { compileCollectorConfig } from "../src/compile/index.js";
import { alertingRules } from "../src/health/alerts.js";
import { dashboardQueries } from "./helpers/dashboard-queries.js";
import { dashboard } from "../src/health/dashboard.js";
import { datasourceProvisioning } from "../src/health/datasource.js";
import { flowHops } from "../src/health/hops.js";
import { selector } from "../src/health/promql.js";
import { recordingRules } from "../src/health/recording.js";
import { scrapeConfig } from "../src/health/scrape.js";
import { resolveEnvironment } from "../src/resolve/resolve.js";
import type { Description } from "../src/schema/description.js";
import { loadRepoDescription } from "./helpers/repo.js";

const shop = (await loadRepoDescription("tracing.yaml")).description;
const withOverlay = (overlay: Record<string, unknown>): Description => ({
  ...structuredClone(shop),
  environments: { ...shop.environments, test: overlay as Description["environments"][string] },
});
const resolved = (description: Description, env: string) => resolveEnvironment(description, env);
const JAEGER_UI = "https://jaeger.shop.example";
const withUi = withOverlay({ tier: "development", tls: "off", exporters: { jaeger: { ui_url: JAEGER_UI } } });

/** A hop as the rules select its spans: `service#index spans{…}`. */
const hopsOf = (description: Description, env: string, flow: string) =>
  flowHops(resolved(description, env).pipeline, flow).map(
    (h) => `${h.service}#${h.index} ${selector("spans", h.matchers)}`,
  );

describe("a flow's hops are measured by the spans through which work enters them", () => {
  it("a service reached from RabbitMQ by its CONSUMER spans, from anything else by its SERVER spans", () => {
    expect(hopsOf(shop, "dev", "order-costing")).toEqual([
      '3d-storage#1 spans{service_name="3d-storage",span_kind="SPAN_KIND_SERVER"}',
      'crm-api#2 spans{service_name="crm-api",span_kind="SPAN_KIND_SERVER"}',
      'rabbitmq#3 spans{service_name="crm-api",span_kind="SPAN_KIND_PRODUCER",messaging_destination_name!=""}',
      'mes-api#4 spans{service_name="mes-api",span_kind="SPAN_KIND_CONSUMER"}',
      'rabbitmq#5 spans{service_name="mes-api",span_kind="SPAN_KIND_PRODUCER",messaging_destination_name!=""}',
      'crm-api#6 spans{service_name="crm-api",span_kind="SPAN_KIND_CONSUMER"}',
    ]);
  });

  it("RabbitMQ and PostgreSQL, which emit no spans, by the PRODUCER or CLIENT spans of the service before them", () => {
    expect(hopsOf(shop, "dev", "order-execution")).toEqual([
      'mes#1 spans{service_name="mes",span_kind="SPAN_KIND_INTERNAL"}',
      'mes-db#2 spans{service_name="mes",span_kind="SPAN_KIND_CLIENT",db_collection_name!=""}',
      'mes-api#3 spans{service_name="mes-api",span_kind="SPAN_KIND_SERVER"}',
      'rabbitmq#4 spans{service_name="mes-api",span_kind="SPAN_KIND_PRODUCER",messaging_destination_name!=""}',
      'crm-api#5 spans{service_name="crm-api",span_kind="SPAN_KIND_CONSUMER"}',
      'shop-db#6 spans{service_name="crm-api",span_kind="SPAN_KIND_CLIENT",db_collection_name!=""}',
    ]);
  });

  it("a browser that starts a flow by the requests it makes", () => {
    expect(hopsOf(shop, "dev", "order-upload")[0]).toBe(
      'internet-shop#1 spans{service_name="internet-shop",span_kind="SPAN_KIND_CLIENT"}',
    );
  });

  it("without db.collection.name among the dimensions a database hop cannot be told from other calls and is left out; a queue hop takes every PRODUCER span", () => {
    const description = withOverlay({ exporters: { prometheus: { dimensions: ["order.flow"] } } });
    expect(hopsOf(description, "test", "order-confirmation")).toEqual([
      'mes-api#1 spans{service_name="mes-api",span_kind="SPAN_KIND_SERVER"}',
      'rabbitmq#2 spans{service_name="mes-api",span_kind="SPAN_KIND_PRODUCER"}',
      'crm-api#3 spans{service_name="crm-api",span_kind="SPAN_KIND_CONSUMER"}',
    ]);
  });

  it("a service entered the same way twice is one hop, numbered where it first appears", () => {
    const description = withOverlay({
      flows: { "order-upload": { path: ["internet-shop", "shop-api", "3d-storage", "shop-api"] } },
    });
    expect(hopsOf(description, "test", "order-upload").map((h) => h.split(" ")[0])).toEqual([
      "internet-shop#1",
      "shop-api#2",
      "3d-storage#3",
    ]);
  });
});

describe("recording rules", () => {
  it("keep cardinality bounded: they aggregate to flow, hop, status, bucket, quantile and service only", () => {
    const allowed = new Set(["order_flow", "hop", "hop_index", "status_code", "le", "quantile", "service_name"]);
    const group = recordingRules(resolved(shop, "prod").pipeline);
    for (const rule of group.rules) {
      for (const [, labels] of rule.expr.matchAll(/by \(([^)]*)\)/g)) {
        for (const label of (labels as string).split(", "))
          expect(allowed, `${label} in ${rule.expr}`).toContain(label);
      }
    }
  });

  it("name every flow and every hop of it", () => {
    const group = recordingRules(resolved(shop, "dev").pipeline);
    const hops = new Set(
      group.rules.flatMap((r) => (r.labels?.["hop"] ? [`${r.labels["order_flow"]}/${r.labels["hop"]}`] : [])),
    );
    for (const [name, flow] of Object.entries(shop.flows))
      for (const hop of flow.path) expect(hops).toContain(`${name}/${hop}`);
  });
});

describe("alerting rules", () => {
  it("compare each flow's p95 with its own SLA, in seconds", () => {
    const group = alertingRules(resolved(shop, "dev").pipeline);
    const sla = group.rules.filter((r) => r.alert === "FlowOverSla").map((r) => r.expr.split(" > ")[1]);
    expect(sla).toEqual(["5", "120", "30", "900"]);
  });

  it("link to the flow's slow and failed traces in Jaeger when the description gives its UI", () => {
    const group = alertingRules(resolved(withUi, "test").pipeline);
    const upload = group.rules.filter((r) => r.labels["order_flow"] === "order-upload");
    const links = upload.map((r) => r.annotations["traces"]);
    expect(links[0]).toBe(
      `${JAEGER_UI}/search?service=internet-shop&tags=%7B%22order.flow%22%3A%22order-upload%22%7D&minDuration=5s`,
    );
    expect(links[1]).toBe(
      `${JAEGER_UI}/search?service=internet-shop&tags=%7B%22order.flow%22%3A%22order-upload%22%2C%22error%22%3A%22true%22%7D`,
    );
    expect(alertingRules(resolved(shop, "dev").pipeline).rules.some((r) => "traces" in r.annotations)).toBe(false);
  });
});

describe("the scrape config", () => {
  const scrape = (description: Description, env: string) => {
    const e = resolved(description, env);
    return scrapeConfig(e.pipeline, compileCollectorConfig(e));
  };

  it("scrapes twice per span-metrics flush, so every flush's exemplars are seen, and evaluates rules once per flush", () => {
    const config = scrape(shop, "prod");
    expect(config.scrape_configs[0]?.scrape_interval).toBe("7500ms");
    expect(config.global).toEqual({ scrape_interval: "7500ms", evaluation_interval: "15s" });
  });

  it("targets the exporter's endpoint, a wildcard host read as localhost", () => {
    expect(scrape(shop, "staging").scrape_configs[0]?.static_configs).toEqual([{ targets: ["localhost:8889"] }]);
  });

  it("targets the description's scrape_targets when it lists them", () => {
    const description = withOverlay({
      exporters: { prometheus: { scrape_targets: ["otelcol-1:8889", "otelcol-2:8889"] } },
    });
    expect(scrape(description, "test").scrape_configs[0]?.static_configs).toEqual([
      { targets: ["otelcol-1:8889", "otelcol-2:8889"] },
    ]);
  });

  it("leaves an endpoint known only from the collector's environment to a file_sd targets file", () => {
    const description = withOverlay({ exporters: { prometheus: { endpoint: "${env:METRICS_ENDPOINT}" } } });
    expect(scrape(description, "test").scrape_configs[0]).toMatchObject({
      file_sd_configs: [{ files: ["shop3d-collector-targets.yaml"] }],
    });
  });
});

describe("the Grafana dashboard", () => {
  const board = dashboard(resolved(shop, "dev"));
  const panels = board.panels ?? [];

  it("has a row per flow, in the description's order, then the system view", () => {
    expect(panels.filter((p) => p.type === "row").map((p) => p.title)).toEqual([
      "Loading a 3D order file through the store UI (order-upload): SLA 5s",
      "Calculating order costs (order-costing): SLA 2m",
      "Order confirmation (order-confirmation): SLA 30s",
      "Order execution (order-execution): SLA 15m",
      "System: load per service",
    ]);
  });

  it("gives each flow throughput, success rate, duration against the SLA, error ratio and its hops", () => {
    const titles = panels.filter((p) => p.type !== "row").map((p) => p.title);
    expect(titles.slice(0, 6)).toEqual([
      "Throughput",
      "Success rate",
      "Duration against the SLA",
      "Error ratio",
      "Hops: share of the time",
      "Hops: p95 duration",
    ]);
    expect(titles.filter((t) => t === "Duration against the SLA")).toHaveLength(4);
  });

  it("draws each flow's SLA as a threshold line on its duration panel", () => {
    const durations = panels.filter((p) => p.title === "Duration against the SLA");
    const slas = durations.map((p) =>
      "fieldConfig" in p ? p.fieldConfig?.defaults.thresholds?.steps.at(-1)?.value : undefined,
    );
    expect(slas).toEqual([5, 120, 30, 900]);
  });

  it("asks Prometheus for exemplars on the raw duration histogram of each flow", () => {
    const exemplarQueries = dashboardQueries(panels).filter((q) => q.exemplar);
    expect(exemplarQueries.map((q) => q.expr)).toEqual(
      Object.keys(shop.flows).map(
        (flow) =>
          `histogram_quantile(0.95, sum by (le) (rate(traces_span_metrics_duration_seconds_bucket{order_flow="${flow}"}[5m])))`,
      ),
    );
  });

  it("links slow traces to Jaeger over the dashboard's time range when the description gives Jaeger's UI, and nowhere otherwise", () => {
    const withLinks = dashboard(resolved(withUi, "test")).panels ?? [];
    const duration = withLinks.find((p) => p.title === "Duration against the SLA");
    const links = duration && "fieldConfig" in duration ? duration.fieldConfig?.defaults.links : undefined;
    expect(links).toEqual([
      {
        title: "Traces of order-upload over the SLA in Jaeger",
        url: `${JAEGER_UI}/search?service=internet-shop&tags=%7B%22order.flow%22%3A%22order-upload%22%7D&minDuration=5s&start=\${__from}000&end=\${__to}000`,
        targetBlank: true,
      },
    ]);
    expect(JSON.stringify(board)).not.toContain("/search?");
  });
});

describe("the Grafana data source", () => {
  it("turns an exemplar's trace_id into a link to the trace in Jaeger, with Grafana's own $ kept from provisioning's expansion", () => {
    const [source] = datasourceProvisioning(resolved(withUi, "test").pipeline).datasources;
    expect(source?.uid).toBe("shop3d-prometheus");
    expect(source?.url).toBe("${PROMETHEUS_URL}");
    expect(source?.jsonData.exemplarTraceIdDestinations).toEqual([
      { name: "trace_id", url: `${JAEGER_UI}/trace/$\${__value.raw}`, urlDisplayLabel: "Trace in Jaeger" },
    ]);
  });

  it("has no exemplar link without Jaeger's UI", () => {
    const [source] = datasourceProvisioning(resolved(shop, "dev").pipeline).datasources;
    expect(source?.jsonData).toEqual({});
  });
});
