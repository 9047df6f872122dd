import { describe, expect, it } from "vitest";
import { loadDescriptionBytes } from "../src/load/description.js";
import { generate } from "../src/orchestrate/generate.js";
import { readRepoFile } from "./helpers/repo.js";

const shopText = await readRepoFile("tracing.yaml");

/** Warnings never stop a build; they say what the description leaves to chance. */
function warningsOf(text: string) {
  const loaded = loadDescriptionBytes("tracing.yaml", Buffer.from(text));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  const result = generate(loaded.loaded);
  expect(result.outputs.length).toBeGreaterThan(0);
  return result.diagnostics.filter((d) => d.severity === "warning");
}

describe("warnings", () => {
  it("say, per environment, which flows outlive decision_wait and how big the decision cache is", () => {
    const prod = warningsOf(shopText).find(
      (w) => w.code === "sla-outlives-decision-wait" && w.message.startsWith("in prod"),
    );
    expect(prod?.message).toContain("order-costing (2m), order-execution (15m)");
    expect(prod?.message).toContain("1,800,000 traces = max_traces_per_second 2000 × 900s");
    expect(prod).toMatchObject({ line: 45, col: 18 });
  });

  it("name a broker or database hop that flow health cannot measure without its dimension", () => {
    const text = shopText.replace(
      "dimensions: [order.flow, messaging.destination.name, db.collection.name]",
      "dimensions: [order.flow, db.collection.name]",
    );
    const hops = warningsOf(text).filter((w) => w.code === "hop-not-measured");
    expect(hops.map((w) => w.message.split(" ")[0])).toEqual(["rabbitmq"]);
    expect(hops[0]?.hint).toBe("add messaging.destination.name to exporters.prometheus.dimensions");
  });

  it("say that partners' searches are filtered after Jaeger answers when their entry services are not named", () => {
    expect(warningsOf(shopText).filter((w) => w.code === "partner-search-filtered")).toEqual([]);
    const text = shopText.replace(/\n {4}entry_services: .*\n/, "\n");
    const filtered = warningsOf(text).filter((w) => w.code === "partner-search-filtered");
    expect(filtered.map((w) => w.message.split(",")[0])).toEqual(["in dev", "in staging", "in prod"]);
    expect(filtered[0]).toMatchObject({ line: 116, col: 3 });
    expect(filtered[0]?.hint).toContain("access.partners.entry_services");
  });

  it("point at a service no flow crosses", () => {
    const text = shopText.replace(
      "  mes-db:        { kind: postgresql, title: MES database }",
      "  mes-db:        { kind: postgresql, title: MES database }\n  archive:       { kind: worker, title: Archive }",
    );
    expect(warningsOf(text).find((w) => w.code === "unused-service")).toMatchObject({ line: 21, col: 3 });
  });

  it("allow outside production what production refuses: an unbounded dimension, a plaintext health check off loopback", () => {
    const text = shopText
      .replace("dimensions: [order.flow,", "dimensions: [order.id, order.flow,")
      .replace(
        "  prod:\n    receivers:",
        "  prod:\n    exporters: { prometheus: { dimensions: [order.flow] } }\n    receivers:",
      )
      .replace("  staging:\n", "  staging:\n    telemetry: { health_endpoint: 0.0.0.0:13133 }\n");
    const codes = warningsOf(text).map((w) => w.code);
    expect(codes).toContain("unbounded-dimension");
    expect(codes).toContain("plaintext-listener");
  });

  it("catch an address left in the clear: network.peer.address beside client.address, in any spelling", () => {
    expect(warningsOf(shopText).map((w) => w.code)).not.toContain("masking-twin-unmasked");
    const unmasked = shopText.replace(/^    - network\.peer\.address .*\n/m, "");
    const twin = warningsOf(unmasked).filter((w) => w.code === "masking-twin-unmasked");
    expect(twin).toHaveLength(1);
    expect(twin[0]).toMatchObject({ line: 64, col: 7, hint: "add network.peer.address to masking.pseudonymize" });
    const respelt = shopText.replace("    - network.peer.address ", "    - NETWORK_PEER_ADDRESS ");
    expect(warningsOf(respelt).map((w) => w.code)).not.toContain("masking-twin-unmasked");
  });

  it("say how to state the kind of a scrubbed key that is not a well-known one, and only then", () => {
    const text = shopText.replace("    - url.query\n", "    - url.query\n    - app.search\n");
    const ambiguous = warningsOf(text).filter((w) => w.code === "scrub-kind-ambiguous");
    expect(ambiguous).toHaveLength(1);
    expect(ambiguous[0]).toMatchObject({
      line: 83,
      col: 7,
      hint: "state the kind: `- { key: app.search, kind: sql }` (or url, query; auto to keep the guess)",
    });
    expect(ambiguous[0]?.message).toContain("`app.search`");
    const stated = shopText.replace("    - url.query\n", "    - url.query\n    - { key: app.search, kind: auto }\n");
    expect(warningsOf(stated).map((w) => w.code)).not.toContain("scrub-kind-ambiguous");
  });

  it("point at an allow list that masking.mode leaves off", () => {
    const text = shopText.replace("  numbers: true ", "  allow: [order.id]\n  numbers: true ");
    expect(warningsOf(text).find((w) => w.code === "allow-list-off")).toMatchObject({ line: 77, col: 3 });
    const on = text.replace("  allow: [order.id]\n", "  allow: [order.id]\n  mode: allow_list\n");
    expect(warningsOf(on).map((w) => w.code)).not.toContain("allow-list-off");
  });

  it("allow outside production an empty allow list, which production refuses", () => {
    const text = shopText.replace("  numbers: true ", "  mode: allow_list\n  numbers: true ");
    const loaded = loadDescriptionBytes("tracing.yaml", Buffer.from(text));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
    const empty = generate(loaded.loaded).diagnostics.filter((d) => d.code === "allow-list-empty");
    expect(empty.map((d) => [d.severity, d.message.split(" ")[4]])).toEqual([
      ["warning", "dev"],
      ["warning", "staging"],
      ["error", "prod"],
    ]);
  });

  it("in production, say that numbers pass unseen with masking.numbers off", () => {
    const text = shopText.replace("  numbers: true ", "  numbers: false");
    const off = warningsOf(text).filter((w) => w.code === "numbers-unmasked");
    expect(off).toHaveLength(1);
    expect(off[0]).toMatchObject({ line: 77, col: 12 });
    expect(off[0]?.message).toContain("in prod");
  });

  it("say that flow metrics without service.name or service.instance.id merge series", () => {
    const text = shopText.replace(
      "    dimensions: [order.flow,",
      "    resource_attributes: [service.name, service.version]\n    dimensions: [order.flow,",
    );
    const identity = warningsOf(text).filter((w) => w.code === "metrics-identity-dropped");
    expect(identity).toHaveLength(1);
    expect(identity[0]).toMatchObject({ line: 89, col: 26, hint: "add service.instance.id" });
  });

  it("stay silent about everything else the shipped description gets right", () => {
    const codes = warningsOf(shopText).map((w) => w.code);
    expect(codes.filter((c) => c !== "sla-outlives-decision-wait")).toEqual([]);
  });
});
