import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { generate } from "../src/orchestrate/generate.js";
import { validateWithBinary } from "../src/checks/binary/validate-binary.js";
import { collectorArgs } from "../src/collector/run-args.js";
import { loadRepoDescription, readRepoFile, requireCollector, VALID_DESCRIPTIONS } from "./helpers/repo.js";

describe("the real otelcol-shop accepts every generated config", () => {
  for (const file of VALID_DESCRIPTIONS) {
    it(`${file}: every environment passes \`otelcol-shop validate\``, async () => {
      const binary = requireCollector();
      const result = generate(await loadRepoDescription(file));
      expect(result.outputs.length).toBeGreaterThan(0);
      for (const output of result.outputs) {
        for (const collector of output.collectors) {
          const verdict = await validateWithBinary(binary, collector.content, collector.envVars);
          expect(verdict, `${file} ${collector.path}: ${verdict.message}`).toMatchObject({ ok: true });
        }
      }
    });
  }
});

describe("the real otelcol-shop refuses a broken config, and tracegen reports its words", () => {
  const devConfig = async () =>
    parse(await readRepoFile("configs/dev/collector.yaml")) as Record<string, Record<string, Record<string, unknown>>>;

  it("names an unknown key", async () => {
    const config = await devConfig();
    (config["processors"]!["batch"] as Record<string, unknown>)["send_batch_sizee"] = 1;
    const verdict = await validateWithBinary(requireCollector(), stringify(config), ["TRACEGEN_PSEUDONYM_KEY"]);
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toContain("has invalid keys: send_batch_sizee");
  });

  it("names a processor used in a pipeline but not defined", async () => {
    const config = await devConfig();
    delete config["processors"]!["batch"];
    const verdict = await validateWithBinary(requireCollector(), stringify(config), ["TRACEGEN_PSEUDONYM_KEY"]);
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toMatch(/references processor "batch" which is not configured/);
  });

  it("refuses a masking processor without its HMAC key", async () => {
    const withEmptyKey = await validateWithBinary(
      requireCollector(),
      (await readRepoFile("configs/dev/collector.yaml")).replace("${env:TRACEGEN_PSEUDONYM_KEY}", '""'),
      [],
    );
    expect(withEmptyKey.ok).toBe(false);
    expect(withEmptyKey.message).toContain("pseudonymize.key must be a non-empty secret");
  });
});

describe("the image and every local run of the collector", () => {
  it("enable the same feature gates", async () => {
    const containerfile = await readRepoFile("Containerfile");
    const cmd = /^CMD (\[.*\])$/m.exec(containerfile)?.[1];
    expect(JSON.parse(cmd ?? "[]")).toEqual(collectorArgs("/etc/otelcol-shop/config.yaml"));
  });

  it("are gates the pinned collector knows: it refuses to start, or validate, with an unknown one", async () => {
    const ok = await validateWithBinary(requireCollector(), await readRepoFile("configs/dev/collector.yaml"), [
      "TRACEGEN_PSEUDONYM_KEY",
    ]);
    expect(ok).toMatchObject({ ok: true });
  });
});
