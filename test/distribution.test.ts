import { describe, expect, it } from "vitest";
import { generate } from "../src/orchestrate/generate.js";
import { parseManifest } from "../src/collector/manifest.js";
import type { Description } from "../src/schema/description.js";
import { loadRepoDescription, readRepoFile } from "./helpers/repo.js";

const manifestText = await readRepoFile("collector-builder.yaml");
const shop = await loadRepoDescription("tracing.yaml");
const twoTier = await loadRepoDescription("examples/two-tier.tracing.yaml");
const withProdOverlay = (prod: Record<string, unknown>) => ({
  ...shop,
  description: {
    ...structuredClone(shop.description),
    environments: { ...shop.description.environments, prod: prod as Description["environments"][string] },
  } as Description,
});

describe("the distribution manifest", () => {
  it("builds every component type the shipped descriptions' configs use, two-tier ones included", () => {
    for (const description of [shop, twoTier]) {
      const result = generate(description, {
        distribution: { parts: parseManifest(manifestText), name: "collector-builder.yaml" },
      });
      expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    }
  });

  it("lists exactly the generated components, plus the file and debug exporters kept for diagnostics", () => {
    const parts = parseManifest(manifestText);
    const oidc = generate(
      withProdOverlay({
        receivers: { otlp: { auth: "oidc", oidc: { issuer_url: "https://id.example.test", audience: "otel" } } },
      }),
    );
    const used = {
      extensions: new Set<string>(),
      receivers: new Set<string>(),
      processors: new Set<string>(),
      connectors: new Set<string>(),
      exporters: new Set<string>(),
    };
    const collectors = [shop, twoTier].flatMap((d) => generate(d).outputs).concat(oidc.outputs);
    for (const { config } of collectors.flatMap((output) => output.collectors)) {
      for (const kind of Object.keys(used) as Array<keyof typeof used>) {
        for (const id of Object.keys(config[kind])) used[kind].add(id.split("/")[0] ?? id);
      }
    }
    used.exporters.add("debug").add("file").add("otlp_http");
    for (const kind of Object.keys(used) as Array<keyof typeof used>)
      expect([...parts[kind]].sort()).toEqual([...used[kind]].sort());
  });

  it("refuses a description that needs a component the distribution lacks, naming the component and the manifest", () => {
    const withoutOidc = manifestText.replace(/^.*oidcauthextension.*$/m, "");
    const result = generate(
      withProdOverlay({
        receivers: { otlp: { auth: "oidc", oidc: { issuer_url: "https://id.example.test", audience: "otel" } } },
      }),
      { environments: ["prod"], distribution: { parts: parseManifest(withoutOidc), name: "collector-builder.yaml" } },
    );
    expect(result.outputs).toEqual([]);
    const error = result.diagnostics.find((d) => d.code === "generated/not-in-distribution");
    expect(error?.message).toContain("extension `oidc`, which collector-builder.yaml does not build");
    expect(error?.file).toBe("tracing.yaml");
    expect(error?.line).toBeGreaterThan(1);
  });
});
