import { describe, expect, it } from "vitest";
import { overlay } from "../src/resolve/overlay.js";
import { resolveEnvironment, tierOf } from "../src/resolve/resolve.js";
import { loadRepoDescription } from "./helpers/repo.js";

describe("environment overlays", () => {
  it("merge mappings key by key", () => {
    expect(overlay({ a: { b: 1, c: 2 }, d: 3 }, { a: { c: 9 } })).toEqual({ a: { b: 1, c: 9 }, d: 3 });
  });

  it("replace lists and scalars whole", () => {
    expect(overlay({ list: [1, 2, 3], s: "x" }, { list: [4], s: "y" })).toEqual({ list: [4], s: "y" });
  });

  it("replace a mapping with a scalar, as `tls: off` does", () => {
    expect(overlay({ tls: { ca_file: "/ca" } }, { tls: "off" })).toEqual({ tls: "off" });
  });

  it("leave the base untouched", () => {
    const base = { a: { b: 1 } };
    overlay(base, { a: { b: 2 } });
    expect(base).toEqual({ a: { b: 1 } });
  });

  it("resolve the shop's dev environment: one flow's share overridden, the rest inherited, defaults filled", async () => {
    const { description } = await loadRepoDescription("tracing.yaml");
    const dev = resolveEnvironment(description, "dev");
    expect(dev.pipeline.flows["order-upload"]).toMatchObject({ sla: "5s", sampling: { keep: "100%" } });
    expect(dev.pipeline.sampling).toMatchObject({
      decision_wait: "5s",
      unmatched: "100%",
      errors: "keep",
      max_traces_per_second: 2000,
    });
    expect(dev.pipeline.masking.remove).toContain("user.email");
    expect(dev.pipeline.exporters.jaeger).toEqual({
      endpoint: "localhost:14317",
      protocol: "grpc",
      queue_size: 5000,
      retry_max_elapsed: "5m",
    });
    expect(dev.tier).toBe("development");
  });

  it("infer the guardrail tier from the name unless the overlay sets it", () => {
    expect(tierOf("prod", {})).toBe("production");
    expect(tierOf("production", {})).toBe("production");
    expect(tierOf("local", {})).toBe("development");
    expect(tierOf("staging", {})).toBe("staging");
    expect(tierOf("eu-live", { tier: "production" })).toBe("production");
  });
});
