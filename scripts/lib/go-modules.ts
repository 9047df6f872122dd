import { join, resolve } from "node:path";

/** The modules a Go build selected, as its go.mod lists them, and where each one's files are on disk. */
export interface GoModules {
  /** Module path → version, for every module the build requires (direct and indirect). */
  readonly versions: ReadonlyMap<string, string>;
  /** Where a module's files are: its folder in the module cache, or the local folder a `replace` names. */
  dirOf(module: string): string;
  /** The module that holds a package: the longest required module path that is a prefix of it. */
  moduleOf(pkg: string): string | undefined;
}

const REQUIRE_LINE = /^(?:require\s+)?([^\s()]+)\s+(v[^\s]+)(?:\s*\/\/.*)?$/;
const LOCAL_REPLACE = /^(?:replace\s+)?([^\s()]+)(?:\s+v[^\s]+)?\s+=>\s+(\.{1,2}\/\S*|\/\S*)$/;

/**
 * Reads a go.mod the collector builder generated. Only what module lookup needs is understood: the
 * `require` blocks and lines, and `replace` directives that point at a local folder.
 */
export function readGoMod(text: string, goModDir: string, modCache: string): GoModules {
  const versions = new Map<string, string>();
  const replaced = new Map<string, string>();
  let block: "require" | "replace" | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === ")") block = undefined;
    else if (/^(require|replace)\s*\($/.test(line)) block = line.startsWith("require") ? "require" : "replace";
    else if (block === "require" || line.startsWith("require ")) {
      const m = REQUIRE_LINE.exec(line);
      if (m?.[1] && m[2]) versions.set(m[1], m[2]);
    } else if (block === "replace" || line.startsWith("replace ")) {
      const m = LOCAL_REPLACE.exec(line);
      if (m?.[1] && m[2]) replaced.set(m[1], resolve(goModDir, m[2]));
    }
  }
  const modules = [...versions.keys()].sort((a, b) => b.length - a.length);
  return {
    versions,
    dirOf: (module) => replaced.get(module) ?? join(modCache, `${escapeModulePath(module)}@${versions.get(module)}`),
    moduleOf: (pkg) => modules.find((m) => pkg === m || pkg.startsWith(`${m}/`)),
  };
}

/** The module cache spells an upper-case letter as `!` and its lower case, so paths stay unique on any file system. */
export const escapeModulePath = (path: string): string => path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);

/**
 * The repository a module comes from, which is what a ref starting with `/` is relative to. The two
 * collector repositories publish under paths that do not show where the repository ends.
 */
const REPOSITORIES = ["go.opentelemetry.io/collector", "github.com/open-telemetry/opentelemetry-collector-contrib"];

export function repositoryOf(module: string): string {
  const known = REPOSITORIES.find((r) => module === r || module.startsWith(`${r}/`));
  if (known) return known;
  const parts = module.split("/");
  if (parts[0] === "github.com" && parts.length >= 3) return parts.slice(0, 3).join("/");
  throw new Error(`cannot tell which repository module ${module} belongs to`);
}
