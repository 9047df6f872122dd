import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { suggest } from "../diagnostics/suggest.js";
import { parseManifest, type Distribution } from "../collector/manifest.js";

/** A mistake in how tracegen was called, as opposed to a problem in the description: exit 2. */
export class UsageError extends Error {}

export const DEFAULT_MANIFEST = "collector-builder.yaml";

export function defaultDescriptionFile(): string {
  if (!existsSync("tracing.yaml") && existsSync("tracegen.config.ts")) return "tracegen.config.ts";
  return "tracing.yaml";
}

export function pickEnvironments(requested: readonly string[] | undefined, available: readonly string[]): string[] {
  if (!requested || requested.length === 0) return [...available];
  for (const name of requested) {
    if (!available.includes(name)) {
      const close = suggest(name, available);
      throw new UsageError(
        `unknown environment \`${name}\`; the description has: ${available.join(", ")}${close ? ` (did you mean \`${close}\`?)` : ""}`,
      );
    }
  }
  return [...new Set(requested)];
}

/** The distribution's component list, when a manifest is at hand; an explicitly named one must exist. */
export async function loadDistribution(
  path: string | undefined,
): Promise<{ parts: Distribution; name: string } | undefined> {
  const manifest = path ?? DEFAULT_MANIFEST;
  if (!existsSync(manifest)) {
    if (path) throw new UsageError(`collector manifest not found: ${path}`);
    return undefined;
  }
  return { parts: parseManifest(await readFile(manifest, "utf8")), name: manifest };
}
