import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { generate } from "../src/orchestrate/generate.js";
import type { PrometheusConfig } from "../src/health/prometheus-types.js";
import { loadRepoDescription, readRepoFile, repoPath } from "./helpers/repo.js";

/*
 * configs/<env>/prometheus and configs/<env>/grafana are committed and reviewed like the collector
 * configs; `node bin/tracegen.js build` regenerates them. Debian's promtool has the last word on
 * the Prometheus files.
 */

function promtool(args: string[]): { status: number | null; output: string } {
  const run = spawnSync("promtool", args, { encoding: "utf8" });
  if (run.error) throw new Error(`promtool is missing (install Debian's prometheus package): ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const loaded = await loadRepoDescription("tracing.yaml");
const outputs = generate(loaded).outputs;
const healthFiles = outputs.flatMap((o) => o.files.filter((f) => /\/(prometheus|grafana)\//.test(f.path)));

describe("the committed flow health files", () => {
  it("exist for every environment: rules, scrape config, dashboard and data source", () => {
    expect(healthFiles.map((f) => f.path).sort()).toEqual(
      ["dev", "prod", "staging"].flatMap((env) => [
        `${env}/grafana/datasource.yaml`,
        `${env}/grafana/shop3d-flows.json`,
        `${env}/prometheus/rules.yaml`,
        `${env}/prometheus/scrape.yaml`,
      ]),
    );
  });

  for (const file of healthFiles) {
    it(`match what tracegen build generates: ${file.path}`, async () => {
      expect(await readRepoFile(`configs/${file.path}`)).toBe(file.content);
    });
  }

  for (const env of outputs.map((o) => o.env.name)) {
    it(`${env}: promtool check rules accepts the rules`, () => {
      const run = promtool(["check", "rules", repoPath(`configs/${env}/prometheus/rules.yaml`)]);
      expect(run.output).toMatch(/SUCCESS: \d+ rules found/);
      expect(run.status, run.output).toBe(0);
    });

    it(`${env}: promtool check config --syntax-only accepts the scrape config exactly as committed`, () => {
      const run = promtool(["check", "config", "--syntax-only", repoPath(`configs/${env}/prometheus/scrape.yaml`)]);
      expect(run.status, run.output).toBe(0);
    });

    it(`${env}: promtool check config accepts the scrape config in full, certificate files present`, async () => {
      // A full check also stats every file the config names: the TLS paths are the deployment's, so
      // they are pointed at stand-ins here; everything else is checked as committed.
      const dir = await mkdtemp(join(tmpdir(), "health-promtool-"));
      try {
        const config = parse(await readRepoFile(`configs/${env}/prometheus/scrape.yaml`)) as PrometheusConfig;
        for (const job of config.scrape_configs) {
          const tls = job.tls_config;
          if (!tls) continue;
          for (const key of ["ca_file", "cert_file", "key_file"] as const) {
            if (tls[key] === undefined) continue;
            tls[key] = join(dir, `${key}.pem`);
            await writeFile(tls[key], "");
          }
        }
        await writeFile(join(dir, "scrape.yaml"), stringify(config));
        await writeFile(join(dir, "rules.yaml"), await readRepoFile(`configs/${env}/prometheus/rules.yaml`));
        const run = promtool(["check", "config", join(dir, "scrape.yaml")]);
        expect(run.output).toMatch(/SUCCESS: 1 rule files found/);
        expect(run.status, run.output).toBe(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  it("scrape over TLS, presenting the description's certificate, where the collector requires client certificates", async () => {
    const prod = parse(await readRepoFile("configs/prod/prometheus/scrape.yaml")) as PrometheusConfig;
    expect(prod.scrape_configs[0]).toMatchObject({
      scheme: "https",
      tls_config: {
        ca_file: "/etc/tracegen/tls/ca.pem",
        cert_file: "/etc/tracegen/tls/collector.pem",
        key_file: "/etc/tracegen/tls/collector-key.pem",
        min_version: "TLS13",
      },
    });
    const dev = parse(await readRepoFile("configs/dev/prometheus/scrape.yaml")) as PrometheusConfig;
    expect(dev.scrape_configs[0]?.scheme).toBe("http");
    expect(dev.scrape_configs[0]?.tls_config).toBeUndefined();
  });
});
