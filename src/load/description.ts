import { readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { extname } from "node:path";
import { pathToFileURL } from "node:url";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { importEsm } from "./import-esm.js";
import { parseYamlSource, type YamlSource } from "../load/yaml-source.js";
import { Description } from "../schema/description.js";
import { checkSchema, sourceLocator } from "../checks/schema/schema-check.js";

export interface LoadedDescription {
  file: string;
  sha256: string;
  /** Absent for a TypeScript description, which has no YAML positions to point at. */
  source?: YamlSource;
  description: Description;
}

export type LoadResult = { ok: true; loaded: LoadedDescription } | { ok: false; diagnostics: Diagnostic[] };

/** A failure that concerns the file as a whole, so it points at its start. */
const fileFailure = (file: string, code: string, message: string): LoadResult => ({
  ok: false,
  diagnostics: [{ file, line: 1, col: 1, severity: "error", code, message }],
});

const SCRIPT_EXTENSIONS = new Set([".ts", ".mts", ".js", ".mjs"]);

/** Reads a YAML description, or a `tracegen.config.ts` whose default export is `defineConfig(...)`. */
export async function loadDescriptionFile(path: string, file = path): Promise<LoadResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    return fileFailure(file, "unreadable", `cannot read the description: ${reason}`);
  }
  if (SCRIPT_EXTENSIONS.has(extname(path))) return loadScript(path, file, bytes);
  return loadDescriptionBytes(file, bytes);
}

export function loadDescriptionBytes(file: string, bytes: Uint8Array): LoadResult {
  const parsed = parseYamlSource(file, bytes);
  if (!parsed.ok) return parsed;
  const { source } = parsed;
  const diagnostics = checkSchema(sourceLocator(source, file), source.value, Description);
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  return { ok: true, loaded: { file, sha256: source.sha256, source, description: source.value as Description } };
}

async function loadScript(path: string, file: string, bytes: Buffer): Promise<LoadResult> {
  const { tsImport } = (await importEsm("tsx/esm/api")) as typeof import("tsx/esm/api");
  let value: unknown;
  try {
    const module = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown };
    // A script loaded as CommonJS (no "type": "module" nearby) arrives wrapped in a second default.
    value = unwrapDefault(module.default);
  } catch (error) {
    return fileFailure(
      file,
      "script-error",
      `the config script failed to load: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  if (value === undefined) {
    return fileFailure(
      file,
      "no-default-export",
      "the config script has no default export; expected `export default defineConfig({...})`",
    );
  }
  const diagnostics = checkSchema(sourceLocator(undefined, file), value, Description);
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  return {
    ok: true,
    loaded: { file, sha256: createHash("sha256").update(bytes).digest("hex"), description: value as Description },
  };
}

function unwrapDefault(value: unknown): unknown {
  const inner = value as { default?: unknown; tracegen?: unknown } | undefined;
  return inner && typeof inner === "object" && !("tracegen" in inner) && "default" in inner ? inner.default : value;
}
