import { describe, expect, it } from "vitest";
import { ID } from "../src/collector/registry.js";
import { generate } from "../src/orchestrate/generate.js";
import type { Description } from "../src/schema/description.js";
import { loadRepoDescription } from "./helpers/repo.js";

const twoTier = await loadRepoDescription("examples/two-tier.tracing.yaml");

function agentExporter(samplerTimeout?: string) {
  const description = structuredClone(twoTier.description) as Description;
  if (samplerTimeout) (description.topology as Record<string, unknown>)["sampler_timeout"] = samplerTimeout;
  const { outputs, diagnostics } = generate({ ...twoTier, description }, { environments: ["prod"] });
  if (!outputs[0]) throw new Error(diagnostics.map((d) => d.message).join("\n"));
  const agent = outputs[0].collectors.find((c) => c.role === "agent")!;
  return agent.config.exporters[ID.toSamplers] as { protocol: { otlp: { timeout: string } } };
}

describe("the agents' way to the samplers", () => {
  it("waits 5s for a sampler to take a request unless the description says otherwise", () => {
    expect(agentExporter().protocol.otlp.timeout).toBe("5s");
    expect(agentExporter("20s").protocol.otlp.timeout).toBe("20s");
  });

  it("refuses a sampler timeout that is not a duration, at its place in the description", () => {
    const description = structuredClone(twoTier.description) as Description;
    (description.topology as Record<string, unknown>)["sampler_timeout"] = "soon";
    const { outputs, diagnostics } = generate({ ...twoTier, description }, { environments: ["prod"] });
    expect(outputs).toEqual([]);
    expect(diagnostics.map((d) => d.message).join("\n")).toMatch(/sampler_timeout/);
  });
});
