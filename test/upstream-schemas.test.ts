import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { Type } from "@sinclair/typebox";
import { BatchConfig, COMPONENT_KINDS } from "../src/collector/components.js";
import type { CollectorConfig } from "../src/collector/config.js";
import { COMPONENTS, componentType } from "../src/collector/registry.js";
import { UPSTREAM_SCHEMAS } from "../src/collector/upstream/index.js";
import { checkComponentConfigs } from "../src/checks/generated/components.js";
import { validateWithBinary } from "../src/checks/binary/validate-binary.js";
import { overlayLocator } from "../src/checks/rules/context.js";
import { renderCollectorYaml, referencedEnvVars } from "../src/emit/render.js";
import { generate, generatedConfigDiagnostics } from "../src/orchestrate/generate.js";
import {
  builtModules,
  componentSchemaFiles,
  UPSTREAM_SCHEMA_DIR,
  UPSTREAM_TYPES_DIR,
  upstreamTypeFiles,
} from "../scripts/lib/component-schema-files.js";
import { GO_DURATION_PATTERN } from "../scripts/lib/upstream-schema.js";
import { allowedOutside } from "./helpers/schema-subset.js";
import {
  loadRepoDescription,
  readRepoFile,
  repoPath,
  REPO,
  requireCollector,
  VALID_DESCRIPTIONS,
} from "./helpers/repo.js";

const entries = Object.values(COMPONENTS);
/** The published JSON form of a component type's upstream schema, read as a user of the package would. */
const jsonSchemaOf = async (type: string): Promise<Record<string, unknown> | undefined> =>
  existsSync(repoPath(UPSTREAM_SCHEMA_DIR, `${type}.schema.json`))
    ? (JSON.parse(await readRepoFile(`${UPSTREAM_SCHEMA_DIR}/${type}.schema.json`)) as Record<string, unknown>)
    : undefined;
/** Components whose module ships no config.schema.yaml: the connector has no config, ours is not upstream. */
const WITHOUT_UPSTREAM = ["forward", "masking", "file_storage"];

describe("the upstream component schemas", () => {
  it("are what a fresh run of `npm run schema:components` writes from the modules the collector was built with", async () => {
    const fresh = componentSchemaFiles(builtModules(REPO));
    const checkedIn = readdirSync(repoPath(UPSTREAM_SCHEMA_DIR)).sort();
    expect(checkedIn).toEqual(fresh.map((f) => basename(f.path)));
    const types = await upstreamTypeFiles(fresh);
    expect(readdirSync(repoPath(UPSTREAM_TYPES_DIR)).sort()).toEqual(types.map((f) => basename(f.path)).sort());
    for (const file of [...fresh, ...types])
      expect(
        await readRepoFile(file.path),
        `${file.path} differs from a fresh run: run \`npm run schema:components\``,
      ).toBe(file.content);
    const registered = [...new Set(entries.map((c) => componentType(c.id)))];
    expect(fresh.map((f) => basename(f.path, ".schema.json")).sort()).toEqual(
      registered.filter((t) => !WITHOUT_UPSTREAM.includes(t)).sort(),
    );
  });

  it("name the module and the version they come from, in the JSON files and their TypeBox form", async () => {
    const module = "go.opentelemetry.io/collector/processor/batchprocessor@v0.161.0";
    expect((await jsonSchemaOf("batch"))?.["x-module"]).toBe(module);
    expect(UPSTREAM_SCHEMAS["batch"]?.["x-module"]).toBe(module);
    expect(await jsonSchemaOf("forward")).toBeUndefined();
    expect(UPSTREAM_SCHEMAS["forward"]).toBeUndefined();
  });

  it("accept, as JSON Schema, every generated config of every environment of tracing.yaml, the examples and test/valid", async () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validators = new Map<string, ValidateFunction>();
    const checked = new Set<string>();
    for (const file of VALID_DESCRIPTIONS) {
      const result = generate(await loadRepoDescription(file));
      expect(result.outputs.length, file).toBeGreaterThan(0);
      for (const output of result.outputs) {
        for (const kind of COMPONENT_KINDS) {
          for (const [id, section] of Object.entries(output.config[kind])) {
            const type = componentType(id);
            const schema = await jsonSchemaOf(type);
            if (!schema) {
              expect(WITHOUT_UPSTREAM, `${kind}.${id} has no upstream schema`).toContain(type);
              continue;
            }
            const validate = validators.get(type) ?? ajv.compile(schema);
            validators.set(type, validate);
            const where = `${file} ${output.env.name} ${kind}.${id}`;
            expect(validate(section), `${where}: ${ajv.errorsText(validate.errors)}`).toBe(true);
            checked.add(type);
          }
        }
      }
    }
    const generated = readdirSync(repoPath(UPSTREAM_SCHEMA_DIR)).map((f) => basename(f, ".schema.json"));
    // The file exporter is in the distribution for replay inspection only.
    expect([...checked].sort()).toEqual(generated.filter((t) => t !== "file").sort());
  });
});

describe("a generated config broken on purpose", () => {
  const devConfig = async () => {
    const loaded = await loadRepoDescription("tracing.yaml");
    const dev = generate(loaded, { environments: ["dev"] }).outputs[0];
    if (!dev) throw new Error("tracing.yaml builds no dev config");
    const config = structuredClone(dev.config);
    // The same object, loosely typed, to break what the typed config would not let us write.
    const tree = config as unknown as { [key: string]: any };
    return { loaded, config, tree };
  };
  const upstreamProblems = (config: CollectorConfig) =>
    checkComponentConfigs(config).filter((p) => p.code === "upstream-config");
  const refusedByCollector = async (config: CollectorConfig) => {
    const yaml = renderCollectorYaml(config, { source: "tracing.yaml", sha256: "0", version: "0", environment: "dev" });
    return validateWithBinary(requireCollector(), yaml, referencedEnvVars(yaml));
  };

  it("is refused for a key the component does not have, by the upstream schema and by the real collector", async () => {
    const { config, tree } = await devConfig();
    tree.processors.batch.flush_interval = "1s";
    expect(upstreamProblems(config)).toEqual([
      {
        at: "processors.batch",
        code: "upstream-config",
        message:
          "processors `batch`: must NOT have additional properties (`flush_interval`) (the config schema of go.opentelemetry.io/collector/processor/batchprocessor@v0.161.0)",
      },
    ]);
    const verdict = await refusedByCollector(config);
    expect(verdict.ok, verdict.message).toBe(false);
    expect(verdict.message).toContain("flush_interval");
  });

  it("is refused for a value of the wrong type", async () => {
    const { config, tree } = await devConfig();
    tree.receivers.otlp.protocols.grpc.max_recv_msg_size_mib = "4";
    expect(upstreamProblems(config)).toEqual([
      expect.objectContaining({
        at: "receivers.otlp.protocols.grpc.max_recv_msg_size_mib",
        message: expect.stringContaining("must be integer"),
      }),
    ]);
    expect((await refusedByCollector(config)).ok).toBe(false);
  });

  it("is refused for a duration Go cannot parse, with a diagnostic at the description's sampling section", async () => {
    const { loaded, config, tree } = await devConfig();
    tree.processors.tail_sampling.decision_wait = "5 seconds";
    const problems = upstreamProblems(config);
    expect(problems.map((p) => p.at)).toEqual(["processors.tail_sampling.decision_wait"]);
    const [diagnostic] = generatedConfigDiagnostics(overlayLocator(loaded.source, loaded.file, "dev"), "dev", problems);
    // The dev overlay sets the sampling section, so that is where a problem of the sampler points.
    const lines = (await readRepoFile("tracing.yaml")).split("\n");
    const overlaySampling =
      lines.findIndex((l, i) => i > lines.indexOf("environments:") && /^ {4}sampling:/.test(l)) + 1;
    expect(diagnostic).toMatchObject({
      file: "tracing.yaml",
      code: "generated/upstream-config",
      severity: "error",
      message: expect.stringMatching(/^in dev: processors `tail_sampling`\.decision_wait: must match pattern/),
    });
    expect(diagnostic!.line).toBe(overlaySampling);
    expect((await refusedByCollector(config)).ok).toBe(false);
  });

  it("is refused for a debug verbosity the collector cannot read, by both schemas, since tracegen's is upstream's", async () => {
    const { config, tree } = await devConfig();
    tree.exporters.debug = { verbosity: "verbose" };
    const codes = (code: string) =>
      checkComponentConfigs(config)
        .filter((p) => p.code === code)
        .map((p) => p.at);
    expect(codes("component-config")).toContain("exporters.debug.verbosity");
    expect(codes("upstream-config")).toContain("exporters.debug.verbosity");
  });

  it("keeps what the collector accepts: keys tracegen never writes, level names in any case", async () => {
    const { config, tree } = await devConfig();
    tree.processors.batch.metadata_keys = ["tenant"];
    tree.exporters.debug = { verbosity: "Detailed" };
    tree.service.pipelines["traces/sampled"].exporters.push("debug");
    expect(upstreamProblems(config)).toEqual([]);
    const verdict = await refusedByCollector(config);
    expect(verdict.ok, verdict.message).toBe(true);
  });
});

describe("the hand-written component schemas stay inside the upstream ones", () => {
  it("every key, type and bound a TypeBox schema allows, the upstream schema allows", () => {
    let compared = 0;
    for (const entry of entries) {
      const upstream = UPSTREAM_SCHEMAS[componentType(entry.id)];
      if (!("schema" in entry) || !upstream) continue;
      expect(allowedOutside(entry.schema, upstream), entry.id).toEqual([]);
      compared += 1;
    }
    expect(compared).toBe(
      entries.filter((e) => "schema" in e && !WITHOUT_UPSTREAM.includes(componentType(e.id))).length,
    );
  });

  it("reports a key upstream lacks, a type it does not take and a bound beyond its own", () => {
    const drifted = Type.Object(
      {
        ...BatchConfig.properties,
        timeout: Type.Integer(),
        send_batch_size: Type.Integer({ minimum: 1 }),
        flush_interval: Type.String(),
      },
      { additionalProperties: false },
    );
    expect(allowedOutside(drifted, UPSTREAM_SCHEMAS["batch"]!)).toEqual([
      "$.timeout: integer where upstream has string",
      "$.send_batch_size: allows more than upstream's maximum 4294967295",
      "$.flush_interval: not a key upstream",
    ]);
  });
});

describe("the duration pattern", () => {
  const PARSE_DURATION = `package main

import (
	"encoding/json"
	"os"
	"time"
)

func main() {
	var inputs []string
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		panic(err)
	}
	accepted := make([]bool, len(inputs))
	for i, s := range inputs {
		_, err := time.ParseDuration(s)
		accepted[i] = err == nil
	}
	_ = json.NewEncoder(os.Stdout).Encode(accepted)
}
`;
  const inputs = ["0", "-0", "+0", "1s", "1.5h", ".5s", "5.s", "1h2m3.5s", "1µs", "1μs", "1us", "1ns", "-1ms"];
  inputs.push("", "1", "s", ".s", "1 s", "1d", "1S", "1e3s", "1s ", "++1s", "1.2.3s", "0s0", "00");

  it("accepts exactly what Go's time.ParseDuration does", { timeout: 300_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), "tracegen-duration-"));
    try {
      writeFileSync(join(dir, "main.go"), PARSE_DURATION);
      const output = execFileSync("flock", ["/tmp/go-build.lock", "go", "run", "main.go"], {
        cwd: dir,
        input: JSON.stringify(inputs),
        encoding: "utf8",
        timeout: 280_000,
        env: { ...process.env, GOTOOLCHAIN: "local" },
      });
      const byGo = JSON.parse(output) as boolean[];
      const pattern = new RegExp(GO_DURATION_PATTERN, "u");
      expect(Object.fromEntries(inputs.map((s) => [s, pattern.test(s)]))).toEqual(
        Object.fromEntries(inputs.map((s, i) => [s, byGo[i]])),
      );
      expect(byGo.filter(Boolean).length).toBe(13);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
