import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The version in tracegen's own package.json, the nearest one named tracegen above this module, so the
 * answer does not depend on where the bundled CLI sits inside the package. Read directly: resolving the
 * package by its own name through Node's module resolution took 4 ms of every start.
 */
function ownVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    let manifest: { name?: unknown; version?: unknown } | undefined;
    try {
      manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as typeof manifest;
    } catch {
      manifest = undefined;
    }
    if (manifest?.name === "tracegen" && typeof manifest.version === "string") return manifest.version;
    if (dirname(dir) === dir) throw new Error("tracegen's package.json was not found above its modules");
  }
}

export const VERSION: string = ownVersion();
