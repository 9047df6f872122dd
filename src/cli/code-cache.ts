/**
 * Runs the CLI bundle (one CommonJS script, see scripts/bundle-cli.ts) with V8's code cache, made when
 * the bundle was: the functions a build runs arrive compiled instead of being parsed and compiled on
 * every start. Node 20 has no compile cache for modules (Node 22's module.enableCompileCache), so the
 * bundle is a script compiled through node:vm, which takes V8's cached data.
 *
 * V8 checks that cached data fits its own version and flags, but of the source only the length, and not
 * its own payload: data from another bundle of the same length, or flipped bytes, would run wrong code
 * or crash the process. So the cache file's first line names the Node.js release, the bundle's SHA-256
 * and the payload's SHA-256, and anything that does not match is ignored (the bundle then compiles
 * from source, as without a cache).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { Script } from "node:vm";
import { importEsm } from "../load/import-esm.js";

export interface CliBundle {
  main(argv: readonly string[]): Promise<number>;
}

export interface LoadedBundle {
  exports: CliBundle;
  script: Script;
  /** Whether V8 ran the bundle from the cache file's payload. */
  cached: boolean;
}

const FORMAT = "tracegen-code-cache/1";

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** What the cached code was made for: this Node.js (V8 and its flags are V8's own check) and this bundle. */
function cacheHeader(source: Uint8Array, payload: Uint8Array): string {
  return `${FORMAT} node ${process.version} ${process.arch} bundle ${sha256(source)} payload ${sha256(payload)}\n`;
}

export const cacheFileOf = (bundleFile: string): string => `${bundleFile}.cache`;

function cachedPayload(cacheFile: string, source: Uint8Array): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const end = bytes.indexOf(0x0a);
  if (end < 0) return undefined;
  const payload = bytes.subarray(end + 1);
  return bytes.subarray(0, end + 1).toString("latin1") === cacheHeader(source, payload) ? payload : undefined;
}

/** Compiles and runs the bundle as CommonJS, with the cache when it belongs to this bundle and this Node.js; null: without. */
export function loadBundle(bundlePath: string, cacheFile: string | null = cacheFileOf(bundlePath)): LoadedBundle {
  const bundleFile = resolve(bundlePath);
  const bytes = readFileSync(bundleFile);
  const cachedData = cacheFile === null ? undefined : cachedPayload(cacheFile, bytes);
  // One line, so positions in stack traces stay those of the bundle file.
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname, __importEsm) {${bytes.toString("utf8")}\n})`,
    cachedData ? { filename: bundleFile, cachedData } : { filename: bundleFile },
  );
  const module = { exports: {} as CliBundle };
  (script.runInThisContext() as (...args: unknown[]) => void)(
    module.exports,
    createRequire(bundleFile),
    module,
    bundleFile,
    dirname(bundleFile),
    importEsm,
  );
  return { exports: module.exports, script, cached: cachedData !== undefined && !script.cachedDataRejected };
}

/**
 * Runs the bundle once per argument list, then writes V8's code for everything that ran, lazily
 * compiled functions included, beside the bundle. The file is replaced whole, never half-written.
 */
export async function writeCodeCache(bundleFile: string, warmUps: readonly (readonly string[])[]): Promise<void> {
  const { exports, script } = loadBundle(bundleFile, null);
  for (const argv of warmUps) await exports.main(argv);
  const payload = script.createCachedData();
  const cacheFile = cacheFileOf(bundleFile);
  const temp = `${cacheFile}.${process.pid}.tmp`;
  await writeFile(
    temp,
    Buffer.concat([Buffer.from(cacheHeader(readFileSync(bundleFile), payload), "latin1"), payload]),
  );
  await rename(temp, cacheFile);
}
