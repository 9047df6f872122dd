/*
 * What a user gets from the registry: `npm pack`, the tarball installed in an empty folder with
 * nothing of this repository beside it, and the installed `tracegen build` run on a YAML and on a
 * tracegen.config.ts description. Catches a runtime import that is only a devDependency (tsx), a
 * file the CLI needs that "files" leaves out, and the shop's packages creeping into the install.
 *
 * Packs the dist/ that `npm test`'s pretest compiled (--ignore-scripts): running `prepare` here
 * would rewrite dist/ under the other test files that execute it.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRepoFile, repoPath } from "./helpers/repo.js";

/** Installing compiles re2 when no prebuilt binary can be fetched: about two and a half minutes. */
const INSTALL_TIMEOUT = 420_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], cwd: string, timeout: number): Promise<Run> {
  return new Promise((done) => {
    execFile(
      command,
      args,
      { cwd, timeout, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

const YAML_DESCRIPTION = await readRepoFile("test/valid/untitled.tracing.yaml");

// The same description, less its staging title, as a user writes it in TypeScript, typed by the installed package.
const TS_DESCRIPTION = `import { defineConfig, type Description } from "tracegen";

const keep: Description["flows"][string]["sampling"]["keep"] = "20%";

export default defineConfig({
  tracegen: 1,
  system: { name: "orders", flow_attribute: "app.flow" },
  services: { web: { kind: "http" }, db: { kind: "postgresql" } },
  flows: { checkout: { path: ["web", "db"], sla: "2s", sampling: { keep } } },
  exporters: {
    jaeger: { endpoint: "localhost:4317" },
    prometheus: { endpoint: "localhost:8889", dimensions: ["db.collection.name"] },
  },
  receivers: { otlp: { grpc: "localhost:14317" } },
  tls: "off",
  environments: { dev: {}, staging: {} },
});
`;

const EXPECTED = ["collector.yaml", "grafana", "prometheus"];

let scratch: string;
let app: string;
let packed: string[] = [];
let install: Run;

beforeAll(async () => {
  if (!existsSync(repoPath("dist", "cli-bundle", "tracegen.cjs")))
    throw new Error("dist/ is missing or has no CLI bundle: run `npm run build:ts` first");
  scratch = await mkdtemp(join(tmpdir(), "tracegen-install-"));
  const pack = await run(
    "npm",
    ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch],
    repoPath(),
    120_000,
  );
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const [info] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packed = info!.files.map((f) => f.path);
  app = join(scratch, "app");
  await mkdir(app);
  await writeFile(
    join(app, "package.json"),
    `${JSON.stringify({ name: "user-project", private: true, type: "module" })}\n`,
  );
  install = await run(
    "npm",
    ["install", "--no-audit", "--no-fund", join(scratch, info!.filename)],
    app,
    INSTALL_TIMEOUT,
  );
  if (install.code !== 0) throw new Error(`npm install of the tarball failed (${install.code}):\n${install.stderr}`);
}, INSTALL_TIMEOUT + 150_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("the packed and installed tracegen", () => {
  it("packs what the CLI runs and describes, and nothing of the repository's own work", () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        "package.json",
        "bin/tracegen.js",
        "bin/package.json",
        "dist/cli-bundle/load.cjs",
        "dist/cli-bundle/tracegen.cjs",
        "dist/cli-bundle/tracegen.cjs.cache",
        "dist/cli/main.js",
        "dist/index.d.ts",
        "dist/kit/index.js",
        "templates/explain.txt.hbs",
        "templates/replay-report.html.hbs",
      ]),
    );
    expect(packed.filter((p) => /^(src|test|shop|scripts|collector)\//.test(p))).toEqual([]);
  });

  it("installs without the shop's packages", async () => {
    const installed = await readdir(join(app, "node_modules"));
    // pg is the audit log's (tracegen audit, tracegen gateway); the shop's broker, browser and identity provider
    // are not. (ajv-formats may be present: kubernetes-models brings it to validate the generated manifests.)
    for (const name of ["tsx", "pg"]) expect(installed).toContain(name);
    for (const name of ["amqplib", "playwright-core", "oidc-provider", "otpauth", "vitest"])
      expect(installed).not.toContain(name);
  });

  it("builds a YAML description", async () => {
    const project = join(scratch, "yaml");
    await mkdir(project);
    await writeFile(join(project, "tracing.yaml"), YAML_DESCRIPTION);
    const build = await run(join(app, "node_modules", ".bin", "tracegen"), ["build"], project, 60_000);
    expect(build.stderr).not.toMatch(/error/i);
    expect(build.code).toBe(0);
    for (const env of ["dev", "staging"])
      expect((await readdir(join(project, "configs", env))).sort()).toEqual(EXPECTED);
    // explain is rendered from the package's templates, found beside its dist/.
    const explain = await run(
      join(app, "node_modules", ".bin", "tracegen"),
      ["explain", "--env", "dev"],
      project,
      60_000,
    );
    expect(explain.code, explain.stderr).toBe(0);
    expect(explain.stdout).toMatch(/^Environment dev \(development\)/);
  });

  it("builds a tracegen.config.ts that imports defineConfig from the installed package", async () => {
    // Inside the user's project, where `tracegen` resolves from node_modules.
    await writeFile(join(app, "tracegen.config.ts"), TS_DESCRIPTION);
    const build = await run(
      join(app, "node_modules", ".bin", "tracegen"),
      ["build", "--out", "ts-configs"],
      app,
      60_000,
    );
    expect(build.stderr).toBe("");
    expect(build.code).toBe(0);
    expect(build.stdout).toContain("wrote ts-configs/dev/collector.yaml");
    for (const env of ["dev", "staging"])
      expect((await readdir(join(app, "ts-configs", env))).sort()).toEqual(EXPECTED);
  });
});
