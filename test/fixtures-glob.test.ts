import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expandGlob, globToRegExp } from "../src/traffic/glob.js";

describe("fixture globs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "glob-"));
    await mkdir(join(dir, "a", "b"), { recursive: true });
    for (const f of ["x.jsonl", "y.pb", "a/z.jsonl", "a/b/w.jsonl", "a/b/notes.txt"]) await writeFile(join(dir, f), "");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("expands *, ?, [..], {a,b} within a segment and ** across segments, sorted", async () => {
    expect(await expandGlob("*.jsonl", dir)).toEqual(["x.jsonl"]);
    expect(await expandGlob("*.{jsonl,pb}", dir)).toEqual(["x.jsonl", "y.pb"]);
    expect(await expandGlob("**/*.jsonl", dir)).toEqual(["a/b/w.jsonl", "a/z.jsonl", "x.jsonl"]);
    expect(await expandGlob("a/*/?.jsonl", dir)).toEqual(["a/b/w.jsonl"]);
    expect(await expandGlob(`${dir}/[xy].*`)).toEqual([`${dir}/x.jsonl`, `${dir}/y.pb`]);
    expect(await expandGlob("x.jsonl", dir)).toEqual(["x.jsonl"]);
    expect(await expandGlob("nothing-*.jsonl", dir)).toEqual([]);
  });

  it("keeps regular-expression characters literal", () => {
    expect(globToRegExp("a+b(1).jsonl").test("a+b(1).jsonl")).toBe(true);
    expect(globToRegExp("a+b(1).jsonl").test("aab1xjsonl")).toBe(false);
  });
});
