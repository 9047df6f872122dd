/**
 * Bundles the CLI as tsc compiled it (dist/cli/main.js) into one CommonJS script,
 * dist/cli-bundle/tracegen.cjs, and writes V8's code cache for it (src/cli/code-cache.ts), which
 * bin/tracegen.js loads. Node resolving and compiling the thousand-odd files of the packages every
 * build needs, one by one, and then compiling the bundle's functions on every start, was most of what
 * `tracegen build` cost (`npm run bench:build`). A command's own modules run only when that command
 * does. Packages not listed here are required from node_modules as they are, when a command needs
 * them: re2's native addon, tsx's loader (only for .ts descriptions), ajv (only to explain an invalid
 * description), the replay's gRPC and process packages. The packages listed that ship only as ES
 * modules (execa, get-port, jose) are bundled because a script cannot require them on every Node 20.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";

const OUT = "dist/cli-bundle";
const BUNDLE = join(OUT, "tracegen.cjs");

const BUNDLED = new Set([
  "@sinclair/typebox",
  "yaml",
  "commander",
  "picocolors",
  "fastest-levenshtein",
  "@grafana/schema",
  "execa",
  "get-port",
  "jose",
]);

const packageName = (specifier: string): string =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

const onlyListedPackages: Plugin = {
  name: "only-listed-packages",
  setup(plugin) {
    // What a bundled package imports is bundled with it: execa's own dependencies are ES modules too.
    plugin.onResolve({ filter: /^[^./]/ }, ({ path, importer }) =>
      BUNDLED.has(packageName(path)) || importer.includes("/node_modules/") ? undefined : { path, external: true },
    );
  },
};

// The bundle loader passes its own import() in (src/load/import-esm.ts says why).
const loaderImport: Plugin = {
  name: "loader-import",
  setup(plugin) {
    plugin.onLoad({ filter: /[/\\]dist[/\\]load[/\\]import-esm\.js$/ }, () => ({
      contents: "export const importEsm = __importEsm;",
    }));
  },
};

rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: ["dist/cli/main.js"],
  outfile: BUNDLE,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // import() of a package becomes require(): a script run through node:vm has no import() of its own.
  supported: { "dynamic-import": false },
  sourcemap: true,
  plugins: [onlyListedPackages, loaderImport],
  define: { "import.meta.url": "__bundleUrl" },
  banner: { js: 'var __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
});

// bin/tracegen.js is CommonJS (bin/package.json) and requires this copy of the loader: starting from
// a script skips setting up Node's ES module loader, which a CLI started once per build pays every time.
await build({
  entryPoints: ["dist/cli/code-cache.js"],
  outfile: join(OUT, "load.cjs"),
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  logLevel: "warning",
});

// The warm-up builds the shipped description, so the cache holds what a build runs. A plain node, no
// flags: V8 refuses cached data made under other flags.
const scratch = mkdtempSync(join(tmpdir(), "tracegen-code-cache-"));
try {
  execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { writeCodeCache } from "./dist/cli/code-cache.js";
await writeCodeCache(${JSON.stringify(BUNDLE)}, [["build", "--out", ${JSON.stringify(scratch)}]]);`,
    ],
    // The build's warnings about tracing.yaml are not the bundler's to show; a failure's stderr is in the error.
    { stdio: "pipe", encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } },
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
