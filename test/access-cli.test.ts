import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { httpsRequest } from "../shop/driver/https-client.js";
import { tempDir } from "../src/process/child.js";
import { startAccessStack, type AccessStack } from "./helpers/access-stack.js";
import { eventually } from "./helpers/eventually.js";
import { repoPath } from "./helpers/repo.js";

/*
 * `tracegen gateway` as a process: it reads a gateway.yaml, discovers the issuer, writes audit records
 * to the PostgreSQL the named variable points at, serves until SIGTERM and exits 0; a missing audit
 * URL is a usage error before anything listens.
 */

describe("tracegen gateway", () => {
  let stack: AccessStack;
  let dir: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    stack = await startAccessStack();
    dir = await tempDir("gateway-cli-");
  }, 120_000);
  afterAll(async () => {
    await dir?.remove();
    await stack?.stop();
  }, 60_000);

  async function configFile(): Promise<{ file: string; port: number }> {
    const port = await getPort();
    const config = structuredClone(stack.config);
    config.access.listen = `127.0.0.1:${port}`;
    config.upstream.query_url = stack.jaeger.queryUrl;
    const file = join(dir.path, "gateway.yaml");
    await writeFile(file, stringify(config));
    return { file, port };
  }

  it("serves an environment's gateway.yaml, audits to PostgreSQL and stops on SIGTERM", async () => {
    const { file, port } = await configFile();
    const before = (await stack.auditEvents()).length;
    const child = execa(
      "node",
      [repoPath("bin/tracegen.js"), "gateway", "--env", "dev", "--config", file, "--issuer-ca", stack.tls.caFile],
      { env: { TRACEGEN_AUDIT_DATABASE_URL: stack.auditWriterUrl }, reject: false, timeout: 60_000, all: true },
    );
    try {
      const answer = await eventually("the gateway answering", 20_000, async () =>
        httpsRequest(`https://127.0.0.1:${port}/api/traces/${stack.traces.a.traceId}`, {
          ca: stack.tls.ca,
          headers: { authorization: `Bearer ${stack.tokens.developer}` },
        }),
      );
      expect(answer.status).toBe(200);
      expect(answer.text()).not.toContain(stack.traces.a.orderId);
      const events = await stack.auditEvents();
      expect(events.length).toBe(before + 1);
      expect(events[events.length - 1]).toMatchObject({
        role: "developer",
        status: 200,
        traceIds: [stack.traces.a.traceId],
      });
    } finally {
      child.kill("SIGTERM");
    }
    const run = await child;
    expect(run.all).toContain(`trace gateway for dev at https://127.0.0.1:${port}`);
    expect(run.exitCode).toBe(0);
  }, 60_000);

  it("refuses to start without the audit database's URL", async () => {
    const { file } = await configFile();
    const run = await execa(
      "node",
      [repoPath("bin/tracegen.js"), "gateway", "--env", "dev", "--config", file, "--issuer-ca", stack.tls.caFile],
      { env: { TRACEGEN_AUDIT_DATABASE_URL: "" }, reject: false, timeout: 30_000, all: true },
    );
    expect(run.exitCode).toBe(2);
    expect(run.all).toContain("TRACEGEN_AUDIT_DATABASE_URL is not set");
  }, 60_000);

  it("refuses another environment's config", async () => {
    const { file } = await configFile();
    const run = await execa("node", [repoPath("bin/tracegen.js"), "gateway", "--env", "prod", "--config", file], {
      reject: false,
      timeout: 30_000,
      all: true,
    });
    expect(run.exitCode).toBe(2);
    expect(run.all).toContain("is the gateway config of dev, not prod");
  });
});
