import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { locate, type Path, type YamlSource } from "../../load/yaml-source.js";
import type { Locator } from "../schema/schema-check.js";
import type { ResolvedEnvironment } from "../../resolve/resolve.js";

/** What every lint rule gets: the resolved environment and a way to point at where a value was written. */
export interface LintContext {
  env: ResolvedEnvironment;
  report(
    path: Path,
    severity: Diagnostic["severity"],
    code: string,
    message: string,
    hint?: string,
    at?: "key" | "value",
  ): void;
}

/**
 * A resolved value came either from the environment's overlay or from the base;
 * point at the overlay when it wrote that path, so the fix lands in the right place.
 */
export function overlayLocator(source: YamlSource | undefined, file: string, envName: string): Locator {
  const raw = source?.value;
  return (path, at) => {
    if (!source) return { file, line: 1, col: 1 };
    const overlayPath = ["environments", envName, ...path];
    if (has(raw, overlayPath)) return locate(source, overlayPath, at);
    // Something missing from both places is this environment's to add: point at the environment.
    if (!has(raw, path) && path.length > 0) return locate(source, ["environments", envName], "key");
    return locate(source, path, at);
  };
}

export function makeLintContext(
  source: YamlSource | undefined,
  file: string,
  env: ResolvedEnvironment,
  out: Diagnostic[],
): LintContext {
  const where = overlayLocator(source, file, env.name);
  return {
    env,
    report(path, severity, code, message, hint, at = "value") {
      out.push({ ...where(path, at), severity, code, message, ...(hint ? { hint } : {}) });
    },
  };
}

function has(root: unknown, path: Path): boolean {
  let v = root;
  for (const segment of path) {
    if (v === null || typeof v !== "object" || !(String(segment) in (v as object))) return false;
    v = (v as Record<string, unknown>)[String(segment)];
  }
  return true;
}
