/*
 * The CLI contract other tools build on, exercised through the real process:
 * help, default file and output directory, --check, --env, determinism, the header,
 * explain, schema, and a tracegen.config.ts that builds like the equivalent YAML.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileTree } from "./helpers/tree.js";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const BIN = join(ROOT, "bin", "tracegen.js");
const REFERENCE = join(ROOT, "tracing.yaml");
const ENVIRONMENTS = ["dev", "prod", "staging"];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tracegen(args: readonly string[], cwd = ROOT): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

const STACK_LINE = /^\s{4}at /m;
const version = (JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const referenceBytes = await readFile(REFERENCE);
const referenceSha = createHash("sha256").update(referenceBytes).digest("hex");
const reference = parse(referenceBytes.toString("utf8")) as {
  flows: Record<string, { sla: string; sampling: { keep: string } }>;
  sampling: { unmatched: string };
  environments: Record<string, unknown>;
};

let scratch: string;
/** Results of every process, started together in beforeAll and asserted one by one below. */
const r: Record<string, Run> = {};
const files: Record<string, string | undefined> = {};
let firstBuild = new Map<string, Buffer>();

const read = (path: string): Promise<string | undefined> => readFile(path, "utf8").catch(() => undefined);
const ls = (path: string): Promise<string[]> =>
  readdir(path).then(
    (e) => e.sort(),
    () => [],
  );

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) throw new Error("dist/ is missing: run `npx tsc -p .` first");
  scratch = await mkdtemp(join(tmpdir(), "tracegen-cli-"));
  const project = join(scratch, "project");
  const tsProject = join(scratch, "ts-project");
  await mkdir(project);
  await mkdir(tsProject);
  await copyFile(REFERENCE, join(project, "tracing.yaml"));
  await copyFile(join(ROOT, "collector-builder.yaml"), join(project, "collector-builder.yaml"));

  // The same description, as a tracegen.config.ts importing defineConfig from the package entry.
  const entry = resolve(ROOT, "src", "index.ts");
  await writeFile(join(tsProject, "package.json"), `${JSON.stringify({ type: "module", private: true })}\n`);
  await writeFile(
    join(tsProject, "tracegen.config.ts"),
    `import { defineConfig } from ${JSON.stringify(entry)};\n\nexport default defineConfig(${JSON.stringify(reference, null, 2)});\n`,
  );
  await copyFile(REFERENCE, join(tsProject, "equivalent.yaml"));

  const help = async () => {
    [r["help"], r["helpBuild"], r["helpValidate"], r["helpExplain"], r["version"], r["helpCommand"]] =
      await Promise.all([
        tracegen(["--help"]),
        tracegen(["build", "--help"]),
        tracegen(["validate", "--help"]),
        tracegen(["explain", "--help"]),
        tracegen(["--version"]),
        tracegen(["help", "build"]),
      ]);
  };

  // Defaults: tracing.yaml in the working directory, into configs/; then --check before and after an edit.
  const defaults = async () => {
    r["default"] = await tracegen(["build"], project);
    firstBuild = await fileTree(join(project, "configs"));
    for (const env of ENVIRONMENTS)
      files[`default/${env}`] = await read(join(project, "configs", env, "collector.yaml"));
    r["checkFresh"] = await tracegen(["build", "--check"], project);
    const prod = join(project, "configs", "prod", "collector.yaml");
    const edited = `${files["default/prod"] ?? ""}# edited by hand\n`;
    await writeFile(prod, edited);
    r["checkStale"] = await tracegen(["build", "--check"], project);
    files["afterCheck/prod"] = await read(prod);
    files["edited/prod"] = edited;
    r["checkMissing"] = await tracegen(["build", "--check", "--out", "nowhere"], project);
    files["nowhere"] = existsSync(join(project, "nowhere")) ? "exists" : undefined;
    r["again"] = await tracegen(["build", "--out", join(scratch, "again")], project);
  };

  const others = async () => {
    [
      r["onlyProd"],
      r["explain"],
      r["mermaid"],
      r["schema"],
      r["unknownEnvBuild"],
      r["unknownCommand"],
      r["noCommand"],
    ] = await Promise.all([
      tracegen(["build", "--env", "prod", "--out", join(scratch, "only-prod")]),
      tracegen(["explain", "--env", "prod"]),
      tracegen(["explain", "--env", "prod", "--mermaid"]),
      tracegen(["schema"]),
      tracegen(["build", "--env", "prd", "--out", join(scratch, "unknown-env")]),
      tracegen(["valdate"]),
      tracegen([]),
    ]);
  };

  const typescript = async () => {
    [r["ts"], r["tsYaml"]] = await Promise.all([
      tracegen(["build", "--out", "from-ts"], tsProject),
      tracegen(["build", "--file", "equivalent.yaml", "--out", "from-yaml"], tsProject),
    ]);
    for (const env of ENVIRONMENTS) {
      files[`ts/${env}`] = await read(join(tsProject, "from-ts", env, "collector.yaml"));
      files[`tsYaml/${env}`] = await read(join(tsProject, "from-yaml", env, "collector.yaml"));
    }
  };

  await Promise.all([help(), defaults(), others(), typescript()]);
}, 120_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("every process", () => {
  it("ends without a stack trace or an internal error", () => {
    expect(Object.keys(r).length).toBeGreaterThan(15);
    for (const [name, run] of Object.entries(r)) {
      expect(run.stderr, name).not.toMatch(STACK_LINE);
      expect(run.stdout, name).not.toMatch(STACK_LINE);
      expect(run.stderr, name).not.toContain("internal error");
    }
  });
});

describe("--help", () => {
  it("of the program lists the commands, the exit codes and examples", () => {
    const { code, stdout } = r["help"] as Run;
    expect(code).toBe(0);
    for (const command of ["build", "validate", "explain", "schema"])
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    expect(stdout).toContain("--version");
    expect(stdout).toContain("Exit codes: 0 ok, 1 invalid description or failed check, 2 usage error");
    expect(stdout).toMatch(/^\s+\$ tracegen build\b/m);
  });

  it("of build lists its options and examples", () => {
    const { code, stdout } = r["helpBuild"] as Run;
    expect(code).toBe(0);
    for (const option of ["--file <path>", "--env <name...>", "--out <dir>", "--check", "--format <format>"])
      expect(stdout).toContain(option);
    expect(stdout).toContain('(default: "configs")');
    expect(stdout).toContain("Examples:");
    expect(stdout).toMatch(/^\s+\$ tracegen build --check\b/m);
    expect((r["helpCommand"] as Run).stdout).toBe(stdout);
  });

  it("of validate lists its options and an example", () => {
    const { code, stdout } = r["helpValidate"] as Run;
    expect(code).toBe(0);
    for (const option of ["--file <path>", "--env <name...>", "--binary <path>", "--format <format>"])
      expect(stdout).toContain(option);
    expect(stdout).toMatch(/^Examples?:/m);
    expect(stdout).toMatch(/^\s+\$ tracegen validate\b/m);
  });

  it("of explain lists its options", () => {
    const { code, stdout } = r["helpExplain"] as Run;
    expect(code).toBe(0);
    for (const option of ["--env <name>", "--file <path>", "--mermaid"]) expect(stdout).toContain(option);
  });

  it("--version prints the package version", () => {
    expect(r["version"]).toMatchObject({ code: 0, stdout: `${version}\n` });
  });
});

describe("build", () => {
  it("reads tracing.yaml and writes configs/<env>/collector.yaml for every environment by default", async () => {
    const { code, stdout, stderr } = r["default"] as Run;
    expect(code, stderr).toBe(0);
    expect(await ls(join(scratch, "project", "configs"))).toEqual(ENVIRONMENTS);
    for (const env of Object.keys(reference.environments)) {
      expect(stdout).toContain(`wrote ${join("configs", env, "collector.yaml")}\n`);
      expect(await ls(join(scratch, "project", "configs", env))).toContain("collector.yaml");
    }
    // Every file it says it wrote is there, and nothing else.
    const wrote = stdout
      .trim()
      .split("\n")
      .map((l) => l.replace(/^wrote configs\//, ""));
    expect(wrote.sort()).toEqual([...firstBuild.keys()].sort());
    expect(ENVIRONMENTS).toEqual(Object.keys(reference.environments).sort());
  });

  it("--check exits 0 when the files are up to date", () => {
    const { code, stdout, stderr } = r["checkFresh"] as Run;
    expect(code, stderr).toBe(0);
    expect(stdout).toBe(`${firstBuild.size} files up to date\n`);
  });

  it("--check exits 1 after a generated file is edited, naming only that file, and rewrites nothing", () => {
    const { code, stderr } = r["checkStale"] as Run;
    expect(code).toBe(1);
    expect(stderr).toContain(join("configs", "prod", "collector.yaml"));
    expect(stderr).not.toContain(join("configs", "dev", "collector.yaml"));
    expect(stderr).not.toContain(join("configs", "staging", "collector.yaml"));
    expect(files["afterCheck/prod"]).toBe(files["edited/prod"]);
  });

  it("--check exits 1 when the files do not exist, and creates nothing", () => {
    const { code, stderr } = r["checkMissing"] as Run;
    expect(code).toBe(1);
    for (const env of ENVIRONMENTS) expect(stderr).toContain(join("nowhere", env, "collector.yaml"));
    expect(files["nowhere"]).toBeUndefined();
  });

  it("--env prod writes only prod", async () => {
    const { code, stdout, stderr } = r["onlyProd"] as Run;
    expect(code, stderr).toBe(0);
    expect(await ls(join(scratch, "only-prod"))).toEqual(["prod"]);
    const wrote = stdout.trim().split("\n");
    expect(wrote).toContain(`wrote ${join(scratch, "only-prod", "prod", "collector.yaml")}`);
    for (const line of wrote) expect(line.startsWith(`wrote ${join(scratch, "only-prod", "prod")}/`), line).toBe(true);
  });

  it("--env with an unknown environment is a usage error (exit 2) and writes nothing", () => {
    const { code, stderr } = r["unknownEnvBuild"] as Run;
    expect(code).toBe(2);
    expect(stderr).toContain("unknown environment `prd`");
    expect(stderr).toContain("did you mean `prod`?");
    expect(existsSync(join(scratch, "unknown-env"))).toBe(false);
  });

  it("is deterministic: two builds are byte-identical, file for file", async () => {
    expect((r["again"] as Run).code).toBe(0);
    // The first build's files as read right after it (prod is edited later for --check).
    const second = await fileTree(join(scratch, "again"));
    expect([...second.keys()].sort()).toEqual([...firstBuild.keys()].sort());
    for (const env of ENVIRONMENTS) expect(second.has(join(env, "collector.yaml"))).toBe(true);
    for (const [path, bytes] of firstBuild) expect(bytes.equals(second.get(path) as Buffer), path).toBe(true);
  });

  it("starts every file with a header naming the source, its sha256 prefix and the tracegen version", () => {
    for (const env of ENVIRONMENTS) {
      const [first, second] = (files[`default/${env}`] ?? "").split("\n");
      expect(first).toBe(`# Generated by tracegen ${version} from tracing.yaml (sha256 ${referenceSha.slice(0, 16)}),`);
      expect(second).toContain(`environment ${env}.`);
      expect(second).toContain("Do not edit");
    }
  });
});

describe("explain", () => {
  it("--env prod states each flow's SLA and keep share", () => {
    const { code, stdout, stderr } = r["explain"] as Run;
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^Environment prod \(production\)/);
    const lines = stdout.split("\n");
    for (const [name, flow] of Object.entries(reference.flows)) {
      const line = lines.find((l) => l.trimStart().startsWith(`${name} `));
      expect(line, `no line for flow ${name}`).toBeDefined();
      expect(line).toContain(`SLA of ${flow.sla}`);
      expect(line).toContain(`${flow.sampling.keep} of the others are kept`);
    }
    expect(stdout).toContain(`${reference.sampling.unmatched} kept`);
  });

  it("--mermaid prints a flowchart", () => {
    const { code, stdout, stderr } = r["mermaid"] as Run;
    expect(code, stderr).toBe(0);
    expect(stdout.startsWith("flowchart")).toBe(true);
    expect(stdout).toContain("tail_sampling");
  });
});

describe("schema", () => {
  it("prints a JSON Schema with $id that accepts the reference description and refuses a broken one", async () => {
    const { code, stdout } = r["schema"] as Run;
    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as Record<string, unknown>;
    expect(typeof schema["$id"]).toBe("string");
    expect(schema["$id"]).not.toBe("");
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    expect(validate(reference), JSON.stringify(validate.errors)).toBe(true);
    const payments = parse(await readFile(join(ROOT, "examples", "payments.tracing.yaml"), "utf8")) as unknown;
    expect(validate(payments), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...reference, sampeling: {} })).toBe(false);
  });
});

describe("tracegen.config.ts", () => {
  it("is the default when there is no tracing.yaml, and builds", async () => {
    const { code, stderr } = r["ts"] as Run;
    expect(code, stderr).toBe(0);
    expect(await ls(join(scratch, "ts-project", "from-ts"))).toEqual(ENVIRONMENTS);
    expect(files["ts/prod"]?.split("\n")[0]).toMatch(
      /^# Generated by tracegen \S+ from tracegen\.config\.ts \(sha256 [0-9a-f]{16}\),$/,
    );
  });

  it("builds the same collector.yaml as the equivalent YAML, apart from the header's source and hash", () => {
    expect((r["tsYaml"] as Run).code).toBe(0);
    for (const env of ENVIRONMENTS) {
      const ts = files[`ts/${env}`] ?? "";
      const yaml = files[`tsYaml/${env}`] ?? "";
      expect(ts.length).toBeGreaterThan(100);
      const [tsHead, ...tsBody] = ts.split("\n");
      const [yamlHead, ...yamlBody] = yaml.split("\n");
      expect(tsHead).not.toBe(yamlHead);
      expect(tsBody.join("\n"), env).toBe(yamlBody.join("\n"));
    }
  });
});

describe("usage errors", () => {
  it("an unknown command exits 2 with a suggestion", () => {
    const { code, stderr } = r["unknownCommand"] as Run;
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'valdate'");
    expect(stderr).toContain("Did you mean validate?");
  });

  it("no command at all exits 2 and shows the help", () => {
    const { code, stderr } = r["noCommand"] as Run;
    expect(code).toBe(2);
    expect(stderr).toContain("Usage: tracegen");
  });
});
