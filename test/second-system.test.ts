/*
 * A second, unrelated system (examples/payments.tracing.yaml, a card-payments platform)
 * builds through the real CLI: nothing in tracegen may be tied to the shop's four flows.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileTree } from "./helpers/tree.js";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const BIN = join(ROOT, "bin", "tracegen.js");
const EXAMPLE = "examples/payments.tracing.yaml";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/** Every object nested anywhere in a parsed config. */
function nodes(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(nodes);
  if (value === null || typeof value !== "object") return [];
  const record = value as Record<string, unknown>;
  return [record, ...Object.values(record).flatMap(nodes)];
}

const FLOWS = {
  "payment-authorization": { slaMs: 1_500, keep: { prod: 5, sandbox: 25, dev: 100 } },
  refund: { slaMs: 45_000, keep: { prod: 40, sandbox: 40, dev: 100 } },
  chargeback: { slaMs: 20_000, keep: { prod: 100, sandbox: 100, dev: 100 } },
  "nightly-settlement": { slaMs: 7_200_000, keep: { prod: 100, sandbox: 100, dev: 100 } },
} as const;
const ENVIRONMENTS = ["dev", "sandbox", "prod"] as const;

/** Names only the shop's description uses; none may leak into the payments configs. */
const SHOP_NAMES = [
  "shop3d",
  "order.flow",
  "order-upload",
  "order-costing",
  "order-confirmation",
  "order-execution",
  "internet-shop",
  "3d-storage",
  "crm-api",
  "mes-api",
  "mes-db",
  "shop-db",
  "TRACEGEN_PSEUDONYM_KEY",
  "JAEGER_OTLP_ENDPOINT",
  "/etc/tracegen",
  "user.email",
];

let scratch: string;
let validate: Run;
let first: Run;
let second: Run;
let explainProd: Run;
const configs: Record<string, string> = {};

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) throw new Error("dist/ is missing: run `npx tsc -p .` first");
  scratch = await mkdtemp(join(tmpdir(), "tracegen-payments-"));
  [validate, first, second, explainProd] = await Promise.all([
    run(["validate", "--file", EXAMPLE, "--format", "json"]),
    run(["build", "--file", EXAMPLE, "--out", join(scratch, "a")]),
    run(["build", "--file", EXAMPLE, "--out", join(scratch, "b")]),
    run(["explain", "--file", EXAMPLE, "--env", "prod"]),
  ]);
  for (const env of ENVIRONMENTS) {
    configs[env] = await readFile(join(scratch, "a", env, "collector.yaml"), "utf8").catch(() => "");
  }
}, 120_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("examples/payments.tracing.yaml", () => {
  it("validates with zero errors for every environment", () => {
    expect(validate.code, validate.stderr).toBe(0);
    const diagnostics =
      validate.stderr.trim() === "" ? [] : (JSON.parse(validate.stderr) as Array<{ severity: string }>);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(validate.stdout.trim().split("\n").sort()).toEqual(["dev: ok", "prod: ok", "sandbox: ok"]);
  });

  it("builds <env>/collector.yaml for every environment, and writes only under the environments' directories", async () => {
    expect(first.code, first.stderr).toBe(0);
    expect((await readdir(join(scratch, "a"))).sort()).toEqual(["dev", "prod", "sandbox"]);
    for (const env of ENVIRONMENTS) {
      expect(await readdir(join(scratch, "a", env))).toContain("collector.yaml");
      expect(first.stdout).toContain(`wrote ${join(scratch, "a", env, "collector.yaml")}`);
    }
  });

  it("is byte-identical across two builds (every file written)", async () => {
    expect(second.code, second.stderr).toBe(0);
    const a = await fileTree(join(scratch, "a"));
    const b = await fileTree(join(scratch, "b"));
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    expect(a.size).toBeGreaterThanOrEqual(ENVIRONMENTS.length);
    for (const [path, bytes] of a) {
      expect(bytes.length, path).toBeGreaterThan(0);
      expect(bytes.equals(b.get(path) as Buffer), `${path} differs between two builds`).toBe(true);
    }
  });

  describe.each(ENVIRONMENTS)("%s/collector.yaml", (env) => {
    it("names its source in the header", () => {
      expect(configs[env]?.split("\n")[0]).toMatch(
        /^# Generated by tracegen \S+ from examples\/payments\.tracing\.yaml \(sha256 [0-9a-f]{16}\),$/,
      );
      expect(configs[env]).toContain(`environment ${env}.`);
    });

    it("samples each payments flow by payment.flow, with its own SLA and keep share", () => {
      const all = nodes(parse(configs[env] ?? ""));
      const matchers = all
        .map((n) => n["string_attribute"] as { key?: string; values?: string[]; invert_match?: boolean } | undefined)
        .filter((m) => m !== undefined);
      expect(matchers.length).toBeGreaterThan(0);
      expect(matchers.every((m) => m.key === "payment.flow")).toBe(true);
      const thresholds = all
        .map((n) => (n["latency"] as { threshold_ms?: number } | undefined)?.threshold_ms)
        .filter((t) => t !== undefined);
      const shares = all
        .map((n) => (n["probabilistic"] as { sampling_percentage?: number } | undefined)?.sampling_percentage)
        .filter((p) => p !== undefined);
      for (const [flow, { slaMs, keep }] of Object.entries(FLOWS)) {
        expect(
          matchers.some((m) => !m.invert_match && m.values?.includes(flow)),
          `no policy selects ${flow}`,
        ).toBe(true);
        expect(thresholds, `${flow}'s SLA`).toContain(slaMs);
        const share = keep[env];
        if (share < 100) expect(shares, `${flow} keeps ${share}% in ${env}`).toContain(share);
      }
      // Traces in no flow: the inverted matcher lists exactly the four payments flows.
      const unmatched = matchers.find((m) => m.invert_match);
      expect(unmatched?.values?.slice().sort()).toEqual(Object.keys(FLOWS).sort());
      expect(shares).toContain(env === "dev" ? 100 : env === "sandbox" ? 5 : 0.5);
    });

    it("masks card numbers, IBANs and emails with the payments key", () => {
      const text = configs[env] ?? "";
      for (const key of ["payment.card.number", "customer.iban", "customer.email", "customer.id"])
        expect(text).toContain(key);
      expect(text).toContain("${env:PAYMENTS_PSEUDONYM_KEY}");
      const patterns = nodes(parse(text))
        .filter((n) => typeof n["pattern"] === "string")
        .map((n) => n["name"]);
      expect(patterns).toEqual(expect.arrayContaining(["pan", "iban", "email"]));
    });

    it("uses payment.flow as a metric dimension", () => {
      const dimensions = nodes(parse(configs[env] ?? ""))
        .filter((n) => Array.isArray(n["dimensions"]))
        .flatMap((n) => (n["dimensions"] as Array<{ name: string }>).map((d) => d.name));
      expect(dimensions).toEqual(expect.arrayContaining(["payment.flow", "payment.method", "payment.currency"]));
    });

    it("contains none of the shop's names", () => {
      const text = configs[env] ?? "";
      expect(text.length).toBeGreaterThan(0);
      for (const name of SHOP_NAMES) expect(text, `${env} mentions ${name}`).not.toContain(name);
    });
  });

  it("writes none of the shop's names into any generated file", async () => {
    const written = await fileTree(join(scratch, "a"));
    expect(written.size).toBeGreaterThanOrEqual(ENVIRONMENTS.length);
    for (const [path, bytes] of written) {
      const text = bytes.toString("utf8");
      for (const name of SHOP_NAMES) expect(text, `${path} mentions ${name}`).not.toContain(name);
    }
  });

  it("keeps production strict and dev relaxed", () => {
    const prod = configs["prod"] ?? "";
    const dev = configs["dev"] ?? "";
    expect(prod).toContain("authenticator: oidc");
    expect(prod).toContain("https://id.payments.example/realms/telemetry");
    expect(prod).not.toMatch(/^\s+debug:/m);
    expect(dev).toMatch(/^\s+debug:/m);
    expect(dev).not.toContain("cert_file");
    expect(dev).toContain("insecure: true");
    expect(prod).toContain("/run/secrets/payments/collector.crt");
    expect(configs["sandbox"]).toContain("/run/secrets/payments/sandbox-ingest-token");
  });

  it("explains each payments flow in words", () => {
    expect(explainProd.code, explainProd.stderr).toBe(0);
    for (const flow of Object.keys(FLOWS)) expect(explainProd.stdout).toContain(flow);
    expect(explainProd.stdout).toContain("5% of the others are kept");
    expect(explainProd.stdout).toContain("longer than its SLA of 2h");
    expect(explainProd.stdout).toContain("payment.flow");
  });
});
