/*
 * `tracegen fixtures dropped`: which attribute keys of the shop's recorded traffic the allow list would
 * not let through, run as the real CLI process on the recorded fixture.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoPath } from "./helpers/repo.js";

const FIXTURE = "test/fixtures/recorded/shop-scenario.jsonl";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Report {
  env: string;
  mode: string;
  otherwise: string;
  keys: Array<{ key: string; count: Record<string, number>; first: string }>;
}

const tracegen = (args: readonly string[]): Promise<Run> =>
  new Promise((done) =>
    execFile(
      process.execPath,
      [repoPath("bin/tracegen.js"), ...args],
      { cwd: repoPath("."), timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
    ),
  );

let scratch: string;
const runs: Record<string, Run> = {};

beforeAll(async () => {
  if (!existsSync(repoPath("dist/cli/main.js"))) throw new Error("dist/ is missing: run `npx tsc -p .` first");
  scratch = await mkdtemp(join(tmpdir(), "tracegen-dropped-"));
  const shop = await readFile(repoPath("tracing.yaml"), "utf8");
  const allowListed = join(scratch, "allow-list.tracing.yaml");
  await writeFile(
    allowListed,
    shop.replace(
      "  prod:\n",
      "  prod:\n    masking: { mode: allow_list, allow: [order.id, http.route, server.address], otherwise: pseudonymize }\n",
    ),
  );
  const malformed = join(scratch, "malformed.jsonl");
  await writeFile(malformed, '{"resourceSpans": [\n');
  const [json, text, prod, broken, none] = await Promise.all([
    tracegen(["fixtures", "dropped", "--env", "prod", "--format", "json", FIXTURE]),
    tracegen(["fixtures", "dropped", "--env", "dev", FIXTURE]),
    tracegen(["fixtures", "dropped", "--file", allowListed, "--env", "prod", "--env", "dev", FIXTURE]),
    tracegen(["fixtures", "dropped", "--env", "prod", malformed]),
    tracegen(["fixtures", "dropped", "--env", "prod", "test/fixtures/recorded/*.nothing"]),
  ]);
  Object.assign(runs, { json, text, prod, broken, none });
}, 120_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("tracegen fixtures dropped on the shop's recorded traffic", () => {
  it("lists, for an environment still in the listed mode, the keys allow-list mode would remove", () => {
    const { code, stdout, stderr } = runs["json"] as Run;
    expect(code, stderr).toBe(0);
    const [report] = JSON.parse(stdout) as Report[];
    expect(report).toMatchObject({ env: "prod", mode: "listed", otherwise: "remove" });
    const keys = report?.keys.map((k) => k.key) ?? [];
    // Strings the description does not name: the shop's own fields and free-text semantic conventions.
    for (const key of ["order.id", "server.address", "url.path", "http.route", "exception.message", "shop.file.sha256"])
      expect(keys).toContain(key);
    // Allowed: what the description names (pseudonymized, scrubbed, the flow attribute, the metric dimensions,
    // the resource attributes of the metrics) and semantic conventions without free text.
    for (const key of [
      "user.id",
      "network.peer.address",
      "url.full",
      "order.flow",
      "messaging.destination.name",
      "service.name",
      "http.request.method",
      "http.response.status_code",
      "server.port",
      "messaging.system",
    ])
      expect(keys).not.toContain(key);
    expect(report?.keys.find((k) => k.key === "order.id")).toMatchObject({ first: `${FIXTURE}:1` });
    expect(report?.keys.find((k) => k.key === "exception.message")?.count).toEqual({ event: 3 });
  });

  it("says where each key occurs and where it first appears, and never prints a value", () => {
    const { code, stdout, stderr } = runs["text"] as Run;
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(
      /^dev: masking\.mode is listed; under allow_list, \d+ attribute keys of 1 fixture would be removed:$/m,
    );
    expect(stdout).toMatch(new RegExp(`^  order\\.id +span ×82 +first at ${FIXTURE.replace(/\./g, "\\.")}:1$`, "m"));
    for (const value of ["ord-addc74210720", "cust-0042", "localhost", "127.0.0.1"])
      expect(stdout).not.toContain(value);
  });

  it("leaves out what the allow list names, per environment, and says what happens to the rest", () => {
    const { code, stdout, stderr } = runs["prod"] as Run;
    expect(code, stderr).toBe(0);
    const [prod, dev] = stdout.split(/^(?=dev: )/m);
    expect(prod).toMatch(
      /^prod: \d+ attribute keys of 1 fixture are not on the allow list and would be pseudonymized:/,
    );
    for (const key of ["order.id", "http.route", "server.address"])
      expect(prod).not.toMatch(new RegExp(`^  ${key} `, "m"));
    expect(prod).toMatch(/^  url\.path /m);
    expect(dev).toMatch(/^  order\.id /m);
  });

  it("refuses a malformed fixture with its line, and a pattern that matches nothing as a usage error", () => {
    const broken = runs["broken"] as Run;
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/malformed\.jsonl:1/);
    expect(broken.stdout).toBe("");
    const none = runs["none"] as Run;
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no fixture matches `test/fixtures/recorded/*.nothing`");
  });
});
