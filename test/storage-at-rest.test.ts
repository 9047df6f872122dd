import { randomUUID } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { execa } from "execa";
import getPort from "get-port";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { compileJaegerConfig } from "../src/access/jaeger-config.js";
import { tempDir } from "../src/process/child.js";
import { JAEGER_BINARY, startJaeger } from "../shop/infra/jaeger.js";
import { eventually } from "./helpers/eventually.js";
import { readRepoFile, repoPath } from "./helpers/repo.js";

/*
 * Why the trace store's encryption at rest is declared rather than configured: the real Jaeger at
 * the pinned release refuses every Badger encryption option, and the Badger files it writes hold
 * span attributes as plaintext (found by a byte search that knows nothing of Badger's format). So
 * production must say what encrypts the directory from below, and the guardrail sees to it.
 */

describe("Jaeger's Badger storage at the pinned release", () => {
  it("is the release tools/jaeger/go.mod pins", async () => {
    const pinned = /github\.com\/jaegertracing\/jaeger (v[0-9.]+)/.exec(await readRepoFile("tools/jaeger/go.mod"))?.[1];
    const version = await execa(JAEGER_BINARY, ["--version"], { reject: false, timeout: 30_000, all: true });
    expect(pinned).toBe("v1.76.0");
    expect(version.all).toContain(`git-version=${pinned}`);
  });

  it("refuses Badger's encryption and index cache options: there is nothing to turn on", async () => {
    const dir = await tempDir("jaeger-at-rest-");
    try {
      const config = compileJaegerConfig({
        otlp_grpc: `127.0.0.1:${await getPort()}`,
        query_http_port: await getPort(),
        query_grpc_port: await getPort(),
        health_port: await getPort(),
        metrics_port: await getPort(),
        storage: { badger: { directory: dir.path, ttl: "1h" } },
      });
      const validate = async (extra: Record<string, unknown>) => {
        const backend = (config["extensions"] as { jaeger_storage: { backends: { traces: { badger: object } } } })
          .jaeger_storage.backends.traces;
        const file = join(dir.path, "jaeger.yaml");
        await writeFile(
          file,
          stringify({
            ...config,
            extensions: {
              ...(config["extensions"] as object),
              jaeger_storage: { backends: { traces: { badger: { ...backend.badger, ...extra } } } },
            },
          }),
        );
        return execa(JAEGER_BINARY, ["validate", "--config", file], { reject: false, timeout: 30_000, all: true });
      };
      const plain = await validate({});
      expect(plain.all).not.toContain("invalid keys");
      expect(plain.exitCode).toBe(0);
      for (const [key, value] of Object.entries({
        encryption_key: "0123456789abcdef0123456789abcdef",
        encryption_key_file: join(dir.path, "key"),
        encryption_key_rotation_duration: "240h",
        index_cache_size: 104857600,
      })) {
        const refused = await validate({ [key]: value });
        expect(refused.exitCode, key).not.toBe(0);
        expect(refused.all).toContain(`'badger' has invalid keys: ${key}`);
      }
    } finally {
      await dir.remove();
    }
  });

  it("writes span attributes to its files in plaintext, where anyone who reads the disk finds them", async () => {
    // Random hex: nothing for Badger's block compression to shorten, so a copy on disk is found as is.
    const marker = randomUUID().replaceAll("-", "");
    const neverSent = randomUUID().replaceAll("-", "");
    const data = await tempDir("jaeger-badger-");
    const jaeger = await startJaeger({ badger: { directory: data.path, ttl: "1h" } });
    try {
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ "service.name": "at-rest-probe" }),
        spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://${jaeger.otlpGrpc}` }))],
      });
      provider
        .getTracer("at-rest")
        .startSpan("POST /orders", { attributes: { "partner.id": marker } })
        .end();
      await provider.forceFlush();
      await provider.shutdown();
      await eventually("the span is queryable in Jaeger", 20_000, async () => {
        const answer = await fetch(`${jaeger.queryUrl}/api/traces?service=at-rest-probe&limit=5`);
        return (await answer.text()).includes(marker) ? true : undefined;
      });
    } finally {
      await jaeger.stop().catch(() => undefined);
    }
    try {
      const files = await filesUnder(data.path);
      expect(files.length).toBeGreaterThan(0);
      const contents = await Promise.all(files.map((file) => readFile(file)));
      expect(contents.some((bytes) => bytes.includes(marker))).toBe(true);
      expect(contents.some((bytes) => bytes.includes(neverSent))).toBe(false);
    } finally {
      await data.remove();
    }
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe("the production guardrail on encryption at rest", () => {
  const STORAGE = "    storage: { memory: { max_traces: 100000 } }";

  async function validateWith(storage: string, env: string) {
    const text = await readRepoFile("tracing.yaml");
    expect(text).toContain(STORAGE);
    const dir = await tempDir("at-rest-guardrail-");
    try {
      const file = join(dir.path, "tracing.yaml");
      await writeFile(file, text.replace(STORAGE, `    storage: ${storage}`));
      const result = await execa(
        "node",
        [repoPath("bin/tracegen.js"), "validate", "--file", file, "--env", env, "--format", "json"],
        { cwd: repoPath(), reject: false, timeout: 60_000 },
      );
      const line = text.slice(0, text.indexOf(STORAGE)).split("\n").length;
      return { ...result, line, file };
    } finally {
      await dir.remove();
    }
  }

  it("refuses Badger in production without a declared encryption at rest, naming the file, line and column", async () => {
    const storage = "{ badger: { directory: /var/lib/jaeger, ttl: 168h } }";
    const result = await validateWith(storage, "prod");
    expect(result.exitCode).toBe(1);
    const diagnostics = JSON.parse(result.stderr) as {
      code: string;
      file: string;
      line: number;
      col: number;
      message: string;
    }[];
    const found = diagnostics.filter((d) => d.code === "guardrail/encryption-at-rest");
    expect(found).toEqual([
      expect.objectContaining({
        line: result.line,
        col: `    storage: { badger: `.length + 1,
        message: expect.stringContaining("Badger files hold span attributes in plaintext"),
      }),
    ]);
    expect(found[0]!.file).toContain("tracing.yaml");
  });

  it("accepts it once declared, and does not ask it of development or of memory storage", async () => {
    const declared = await validateWith(
      `{ badger: { directory: /var/lib/jaeger, ttl: 168h, encryption_at_rest: { provided_by: luks, key_management: "LUKS key slot sealed to the host's TPM, rotated yearly" } } }`,
      "prod",
    );
    expect(declared.stderr + declared.stdout).not.toContain("encryption-at-rest");
    expect(declared.exitCode).toBe(0);
    const dev = await validateWith("{ badger: { directory: /var/lib/jaeger, ttl: 168h } }", "dev");
    expect(dev.exitCode).toBe(0);
    const memory = await validateWith("{ memory: { max_traces: 1000 } }", "prod");
    expect(memory.exitCode).toBe(0);
    const unknown = await validateWith(
      "{ badger: { directory: /var/lib/jaeger, ttl: 168h, encryption_at_rest: { provided_by: badger, key_management: x } } }",
      "prod",
    );
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain("luks");
  });
});
