import { describe, expect, it } from "vitest";
import { loadDescriptionBytes } from "../src/build/load.js";
import { generate } from "../src/build/generate.js";
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

  it("catch the address the shipped description leaves in the clear: network.peer.address beside client.address", () => {
    const twin = warningsOf(shopText).filter((w) => w.code === "masking-twin-unmasked");
    expect(twin).toHaveLength(1);
    expect(twin[0]).toMatchObject({ line: 64, col: 7, hint: "add network.peer.address to masking.pseudonymize" });
    const fixed = shopText.replace("    - client.address\n", "    - client.address\n    - network.peer.address\n");
    expect(warningsOf(fixed).map((w) => w.code)).not.toContain("masking-twin-unmasked");
  });

  it("stay silent about everything else the shipped description gets right", () => {
    const codes = warningsOf(shopText).map((w) => w.code);
    expect(codes.filter((c) => c !== "sla-outlives-decision-wait" && c !== "masking-twin-unmasked")).toEqual([]);
  });
});
