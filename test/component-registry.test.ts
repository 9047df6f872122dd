import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { COMPONENT_KINDS } from "../src/collector/components.js";
import { parseManifest } from "../src/collector/manifest.js";
import { COMPONENTS, componentType, originOf, schemaOf } from "../src/collector/registry.js";
import { readRepoFile } from "./helpers/repo.js";

const manifestText = await readRepoFile("collector-builder.yaml");
const entries = Object.values(COMPONENTS);

describe("the component registry", () => {
  it("names each component once and lists exactly the builder manifest's component modules, in their sections", () => {
    expect(new Set(entries.map((c) => `${c.kind}.${c.id}`)).size).toBe(entries.length);
    const manifest = parse(manifestText) as Record<string, Array<{ gomod: string }>>;
    for (const kind of COMPONENT_KINDS) {
      const listed = (manifest[kind] ?? []).map((m) => m.gomod.split(/\s+/)[0]).sort();
      const known = [...new Set(entries.filter((c) => c.kind === kind).map((c) => c.gomod))].sort();
      expect(listed, kind).toEqual(known);
    }
    const parts = parseManifest(manifestText);
    for (const c of entries) expect(parts[c.kind].has(componentType(c.id)), c.id).toBe(true);
  });

  it("gives each component's schema and origin by its kind and type", () => {
    expect(schemaOf("processors", "masking")).toBe(COMPONENTS.masking.schema);
    expect(schemaOf("exporters", "file")).toBeUndefined();
    expect(schemaOf("receivers", "masking")).toBeUndefined();
    expect(originOf("processors.transform/metrics_resource.metric_statements.0")).toEqual(
      COMPONENTS.metricsResource.origin,
    );
    expect(originOf("extensions.oidc")).toEqual(["receivers", "otlp", "auth"]);
    expect(originOf("exporters.unknown_type")).toEqual(["exporters", "jaeger"]);
    expect(originOf("service.pipelines.traces")).toEqual([]);
  });
});
