/*
 * A description written by someone else, with only the keys the generator cannot do without:
 * no titles anywhere. It is valid, it builds, and every place that shows a title shows the name.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadDescriptionBytes } from "../src/load/description.js";
import { generate } from "../src/orchestrate/generate.js";
import { explain } from "../src/explain/explain.js";
import { readRepoFile, repoPath } from "./helpers/repo.js";

const UNTITLED = await readRepoFile("test/valid/untitled.tracing.yaml");

const scratch: string[] = [];
afterAll(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));

describe("a description without titles", () => {
  const loaded = loadDescriptionBytes("tracing.yaml", new TextEncoder().encode(UNTITLED));

  it("is valid", () => {
    expect(loaded.ok ? [] : loaded.diagnostics).toEqual([]);
  });

  it("builds, and shows each name where a title would be: explain, alerts, dashboard", () => {
    if (!loaded.ok) throw new Error("invalid");
    const result = generate(loaded.loaded);
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const dev = result.outputs.find((o) => o.env.name === "dev")!;
    expect(dev.env.pipeline.flows["checkout"]!.title).toBe("checkout");
    expect(dev.env.pipeline.services["web"]!.title).toBe("web");
    expect(explain(dev.env, dev.collectors)).toContain("checkout (checkout):");
    const file = (suffix: string) => dev.files.find((f) => f.path.endsWith(suffix))!.content;
    expect(file("rules.yaml")).toContain("checkout: 95% of orders take up to");
    expect(file("orders-flows.json")).toContain('"checkout (checkout): SLA 2s"');
    expect(file("orders-flows.json")).not.toContain("undefined");
    // An environment may still give one.
    const staging = result.outputs.find((o) => o.env.name === "staging")!;
    expect(staging.env.pipeline.flows["checkout"]!.title).toBe("Checkout");
  });

  it("builds through the CLI", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tracegen-untitled-"));
    scratch.push(dir);
    await writeFile(join(dir, "tracing.yaml"), UNTITLED);
    const code = await new Promise<number>((done) =>
      execFile(process.execPath, [repoPath("bin/tracegen.js"), "build"], { cwd: dir, timeout: 60_000 }, (error) =>
        done(error ? Number(error.code ?? 1) : 0),
      ),
    );
    expect(code).toBe(0);
    expect((await readdir(join(dir, "configs", "dev"))).sort()).toEqual(["collector.yaml", "grafana", "prometheus"]);
  });
});
