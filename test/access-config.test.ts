import { writeFile } from "node:fs/promises";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { credentials, type ChannelCredentials } from "@grpc/grpc-js";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import getPort from "get-port";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { compileJaegerConfig } from "../src/access/jaeger-config.js";
import { makeTlsMaterial } from "../src/replay/tls-material.js";
import { tempDir } from "../src/process/child.js";
import { generate } from "../src/orchestrate/generate.js";
import { loadDescriptionBytes } from "../src/load/description.js";
import { JAEGER_BINARY, startJaeger } from "../shop/infra/jaeger.js";
import { eventually } from "./helpers/eventually.js";
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

/** The errors `tracegen build` reports for a variant of tracing.yaml. */
function build(description: string) {
  const result = loadDescriptionBytes("tracing.yaml", Buffer.from(description));
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return generate(result.loaded).diagnostics.filter((d) => d.severity === "error");
}

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

describe("TLS between the collector and Jaeger", () => {
  it("is required of Jaeger's receiver wherever the collector exports over TLS, and refused where it does not", () => {
    const TLS_LINE = "    tls:                           # Jaeger's receiver";
    expect(text).toContain(TLS_LINE);
    const withoutJaegerTls = text.replace(/    tls: +# Jaeger's receiver.*\n(      .*\n){4}/, "");
    expect(withoutJaegerTls).not.toContain("jaeger-key.pem");
    expect(build(withoutJaegerTls).map((e) => [e.code, e.message])).toEqual([
      ["jaeger-tls-missing", expect.stringContaining("in staging")],
      ["jaeger-tls-missing", expect.stringContaining("in prod")],
    ]);
    const devWithTls = text.replace(
      "jaeger: { otlp_grpc: localhost:14317, tls: off }",
      "jaeger: { otlp_grpc: localhost:14317 }",
    );
    expect(build(devWithTls).map((e) => [e.code, e.message])).toEqual([
      ["jaeger-tls-unused", expect.stringContaining("in dev")],
    ]);
  });

  it("holds on the real Jaeger: the generated receiver takes spans from a client with the CA's certificate, and only from one", async () => {
    const dir = await tempDir("jaeger-tls-");
    const ports = { otlp: await getPort(), query: await getPort() };
    const tls = await makeTlsMaterial(dir.path);
    const config = compileJaegerConfig({
      otlp_grpc: `127.0.0.1:${ports.otlp}`,
      query_http_port: ports.query,
      query_grpc_port: await getPort(),
      health_port: await getPort(),
      metrics_port: await getPort(),
      storage: { memory: { max_traces: 100 } },
      tls: { ca_file: tls.caFile, cert_file: tls.sink.certFile, key_file: tls.sink.keyFile, client_auth: "required" },
    });
    const file = join(dir.path, "jaeger.yaml");
    await writeFile(file, stringify(config));
    const jaeger = execa(JAEGER_BINARY, ["--config", file], { reject: false, timeout: 60_000, all: true });
    const send = async (credentials: ChannelCredentials, service: string) => {
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ "service.name": service }),
        spanProcessors: [
          new SimpleSpanProcessor(new OTLPTraceExporter({ url: `https://127.0.0.1:${ports.otlp}`, credentials })),
        ],
      });
      provider.getTracer("tls").startSpan("over tls").end();
      await provider.shutdown().catch(() => undefined);
    };
    const services = async () =>
      ((await (await fetch(`http://127.0.0.1:${ports.query}/api/services`)).json()) as { data: string[] | null })
        .data ?? [];
    try {
      await eventually(
        "Jaeger's query API",
        20_000,
        async () => (await fetch(`http://127.0.0.1:${ports.query}/api/services`)).ok || undefined,
      );
      await send(credentials.createSsl(tls.ca), "without-client-certificate");
      await send(credentials.createSsl(tls.ca, tls.sender.key, tls.sender.cert), "with-client-certificate");
      await eventually("the span sent with a certificate", 20_000, async () =>
        (await services()).includes("with-client-certificate") ? true : undefined,
      );
      expect(await services()).not.toContain("without-client-certificate");
    } finally {
      jaeger.kill("SIGTERM");
      await jaeger;
      await dir.remove();
    }
  }, 60_000);
});

describe("the production guardrails on access", () => {
  const without = (...lines: RegExp[]) =>
    text
      .split("\n")
      .filter((line) => !lines.some((re) => re.test(line)))
      .join("\n");

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
