import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringAttribute } from "../src/otlp/model.js";
import { startSink, type Sink } from "../src/replay/sink.js";
import { makeTlsMaterial, type TlsMaterial } from "../src/replay/tls-material.js";
import { tempDir, type TempDir } from "../src/process/child.js";
import { startShopCollector, type ShopCollector } from "../shop/infra/collector.js";
import { repoPath } from "./helpers/repo.js";

/*
 * The kit against otelcol-shop running tracing.yaml's staging config: TLS 1.3 with client
 * certificates required and a bearer token on the receiver, the collector exporting over mTLS to a
 * sink where Jaeger would be. Only addresses, certificates and secrets are the test's own.
 */

let dir: TempDir;
let tls: TlsMaterial;
let sink: Sink;
let collector: ShopCollector;
let tokenFile: string;

beforeAll(async () => {
  dir = await tempDir("kit-collector-");
  tls = await makeTlsMaterial(dir.path);
  tokenFile = join(dir.path, "ingest-token");
  await writeFile(tokenFile, randomBytes(24).toString("hex"), { mode: 0o600 });
  sink = await startSink("grpc", {
    ca: tls.ca,
    cert: tls.sink.cert,
    key: tls.sink.key,
    requireClientCert: true,
    minVersion: "TLSv1.3",
  });
  collector = await startShopCollector({
    environment: "staging",
    jaegerOtlpGrpc: sink.endpoint,
    pseudonymKey: randomBytes(16).toString("hex"),
    tls: { caFile: tls.caFile, certFile: tls.collector.certFile, keyFile: tls.collector.keyFile },
    tokenFile,
    decisionWait: "1s",
  });
}, 60_000);

afterAll(async () => {
  await collector?.stop();
  await sink?.close();
  await dir?.remove();
});

const runProbe = (env: Record<string, string>) =>
  promisify(execFile)(process.execPath, ["--import", "tsx", repoPath("shop/probes/kit-span.ts")], {
    cwd: repoPath(),
    timeout: 30_000,
    env: {
      PATH: process.env.PATH,
      OTEL_EXPORTER_OTLP_ENDPOINT: `https://localhost:${collector.otlpGrpc.split(":")[1]}`,
      ...env,
    },
  });

async function arrived(within: number): Promise<boolean> {
  const deadline = Date.now() + within;
  while (Date.now() < deadline) {
    if (sink.received.length > 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

describe("the kit exporting to a collector that demands TLS, a client certificate and a bearer token", () => {
  it("is refused without the token, says so when it flushes, and nothing gets through", async () => {
    const run = runProbe({
      OTEL_EXPORTER_OTLP_CERTIFICATE: tls.caFile,
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: tls.sender.certFile,
      OTEL_EXPORTER_OTLP_CLIENT_KEY: tls.sender.keyFile,
    });
    await expect(run).rejects.toThrow(/UNAUTHENTICATED: missing or empty authorization header/);
    expect(await arrived(3000)).toBe(false);
  });

  it("gets its span through with the CA, its client certificate and the token file, masked on the way", async () => {
    await runProbe({
      OTEL_EXPORTER_OTLP_CERTIFICATE: tls.caFile,
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: tls.sender.certFile,
      OTEL_EXPORTER_OTLP_CLIENT_KEY: tls.sender.keyFile,
      TRACEGEN_INGEST_TOKEN_FILE: tokenFile,
    });
    expect(await arrived(20_000)).toBe(true);
    const span = sink.received[0]!.request.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(span.name).toBe("probe upload");
    expect(stringAttribute(span.attributes, "order.id")).toBe("ord-00000000000a");
    expect(stringAttribute(span.attributes, "user.id")).toMatch(/^hmac:[0-9a-f]{32}$/);
    expect(stringAttribute(span.attributes, "user.email")).toBeUndefined();
  });
});
