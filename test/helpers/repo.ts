import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { loadDescriptionFile, type LoadedDescription } from "../../src/load/description.js";

export const REPO = resolve(fileURLToPath(import.meta.url), "../../..");
export const repoPath = (...parts: string[]): string => resolve(REPO, ...parts);
export const COLLECTOR = repoPath("build/otelcol-shop");

/** The collector binary is part of the product: a test that needs it fails loudly when it is missing. */
export function requireCollector(): string {
  if (!existsSync(COLLECTOR)) throw new Error(`${COLLECTOR} is missing: run \`npm run collector:build\` first`);
  return COLLECTOR;
}

export async function loadRepoDescription(relative: string): Promise<LoadedDescription> {
  const result = await loadDescriptionFile(repoPath(relative), relative);
  if (!result.ok) throw new Error(result.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join("\n"));
  return result.loaded;
}

export const readRepoFile = (relative: string): Promise<string> => readFile(repoPath(relative), "utf8");

/** Every description in the repository that builds: the reference, the examples and test/valid. */
export const VALID_DESCRIPTIONS: readonly string[] = [
  "tracing.yaml",
  ...["examples", "test/valid"].flatMap((dir) =>
    readdirSync(repoPath(dir))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => `${dir}/${f}`),
  ),
];
