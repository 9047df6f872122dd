import { networkInterfaces } from "node:os";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { generate } from "../src/build/generate.js";
import { loadDescriptionBytes } from "../src/build/load.js";
import { JAEGER_BINARY, startJaeger } from "../shop/infra/jaeger.js";
import { loadRepoDescription, readRepoFile, repoPath } from "./helpers/repo.js";

/*
 * The access section, from description to gateway.yaml and jaeger.yaml: committed goldens, Jaeger's
 * query, health and metrics ports on loopback in every environment (checked on the real binary), and
 * production's refusal of an access section without MFA, TLS, audit or rate limits.
 */

const loaded = await loadRepoDescription("tracing.yaml");
const text = await readRepoFile("tracing.yaml");
const outputs = generate(loaded).outputs;
const accessFiles = outputs.flatMap((o) => o.files.filter((f) => /\/(gateway|jaeger)\.yaml$/.test(f.path)));

/** Every listening address in a Jaeger config outside its OTLP receiver. */
function queryAddresses(config: Record<string, unknown>): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key = ""): void => {
    if (typeof value === "string" && (key === "endpoint" || key === "host")) found.push(value);
    else if (value && typeof value === "object")
      for (const [k, v] of Object.entries(value)) if (k !== "receivers") walk(v, k);
  };
  walk(config);
  return found;
}

describe("generated access configs", () => {
  it("exist for every environment: gateway.yaml and jaeger.yaml", () => {
    expect(accessFiles.map((f) => f.path).sort()).toEqual(
      ["dev", "prod", "staging"].flatMap((env) => [`${env}/gateway.yaml`, `${env}/jaeger.yaml`]),
    );
  });

  for (const file of accessFiles) {
    it(`match what tracegen build generates: ${file.path}`, async () => {
      expect(await readRepoFile(`configs/${file.path}`)).toBe(file.content);
    });
  }

  for (const env of ["dev", "staging", "prod"]) {
    it(`bind Jaeger's query API, health check and metrics to 127.0.0.1 in ${env}`, async () => {
      const config = parse(await readRepoFile(`configs/${env}/jaeger.yaml`)) as Record<string, unknown>;
      const addresses = queryAddresses(config);
      expect(addresses.length).toBe(4);
      for (const address of addresses) expect(address).toMatch(/^127\.0\.0\.1(:[0-9]+)?$/);
    });

    it(`are accepted by the real Jaeger binary in ${env}`, async () => {
      const run = await execa(JAEGER_BINARY, ["validate", "--config", repoPath(`configs/${env}/jaeger.yaml`)], {
        reject: false,
        timeout: 30_000,
        all: true,
      });
      expect(run.all).not.toMatch(/error/i);
      expect(run.exitCode).toBe(0);
    });
  }

  it("leave the running Jaeger's query API unreachable from another interface", async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === "IPv4" && !i.internal)?.address;
    expect(external, "a non-loopback IPv4 address to probe from").toBeDefined();
    const jaeger = await startJaeger();
    try {
      const port = new URL(jaeger.queryUrl).port;
      expect((await fetch(`${jaeger.queryUrl}/api/services`)).status).toBe(200);
      await expect(fetch(`http://${external}:${port}/api/services`)).rejects.toThrow();
    } finally {
      await jaeger.stop();
    }
  });
});

describe("the production guardrails on access", () => {
  const without = (...lines: RegExp[]) =>
    text
      .split("\n")
      .filter((line) => !lines.some((re) => re.test(line)))
      .join("\n");

  function build(description: string) {
    const result = loadDescriptionBytes("tracing.yaml", Buffer.from(description));
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    return generate(result.loaded).diagnostics.filter((d) => d.severity === "error");
  }

  it("accept the shipped description", () => {
    expect(build(text)).toEqual([]);
  });

  it("refuse production access without MFA, TLS, audit or rate limits, at the access section's lines", () => {
    const stripped = without(
      /^    mfa: /,
      /^  limits: /,
      /^  tls:$/,
      /^    (ca_file|cert_file|key_file): \/etc\/tracegen\/tls\/(ca|gateway)/,
      /^  audit: /,
    );
    /** The line a section's value starts on: the one after its key. */
    const valueLine = (key: string) => stripped.slice(0, stripped.indexOf(key)).split("\n").length + 2;
    const errors = build(stripped);
    expect(errors.map((e) => [e.code, e.line, e.col]).sort()).toEqual([
      ["guardrail/access-audit", valueLine("\naccess:"), 3],
      ["guardrail/access-limits", valueLine("\naccess:"), 3],
      ["guardrail/access-mfa", valueLine("\n  staff:"), 5],
      ["guardrail/access-tls", valueLine("\naccess:"), 3],
    ]);
    for (const error of errors) expect(error.message).toContain("environment prod");
  });
});
