/*
 * writeAtomically, which writes every generated file: all files are replaced, or, when one cannot be
 * written, none is, and no temporary file is left behind.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeAtomically } from "../src/emit/write-atomically.js";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "tracegen-write-"));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const everything = async () => (await readdir(root, { recursive: true })).sort();

describe("writeAtomically", () => {
  it("writes new files in new directories and replaces old ones, leaving no temporary file", async () => {
    await writeFile(join(root, "old.yaml"), "old\n");
    await writeAtomically(root, [
      { path: "old.yaml", content: "new\n" },
      { path: "dev/prometheus/rules.yaml", content: "groups: []\n" },
    ]);
    expect(await readFile(join(root, "old.yaml"), "utf8")).toBe("new\n");
    expect(await readFile(join(root, "dev/prometheus/rules.yaml"), "utf8")).toBe("groups: []\n");
    expect(await everything()).toEqual(["dev", "dev/prometheus", "dev/prometheus/rules.yaml", "old.yaml"]);
  });

  it("replaces nothing and leaves no temporary file when a later file cannot be written", async () => {
    await writeFile(join(root, "old.yaml"), "old\n");
    // A file where the second file's directory should be: its directory cannot be made.
    await writeFile(join(root, "blocker"), "");
    await expect(
      writeAtomically(root, [
        { path: "old.yaml", content: "new\n" },
        { path: "blocker/collector.yaml", content: "receivers: {}\n" },
      ]),
    ).rejects.toThrow(/EEXIST|ENOTDIR/);
    expect(await readFile(join(root, "old.yaml"), "utf8")).toBe("old\n");
    expect(await everything()).toEqual(["blocker", "old.yaml"]);
  });
});
