/**
 * Bundles the CLI as tsc compiled it (dist/cli/main.js) into dist/cli-bundle/, which bin/tracegen.js loads.
 * Node resolving and compiling the thousand-odd files of the packages every build needs, one by one, was
 * most of what `tracegen build` cost (`npm run bench:build`). Each command's own modules stay in chunks
 * loaded when that command runs. Packages not listed here are required from node_modules as they are,
 * when a command needs them: re2's native addon, tsx's loader (only for .ts descriptions), ajv (only to
 * explain an invalid description), the replay's gRPC and process packages.
 */
import { rm } from "node:fs/promises";
import { build, type Plugin } from "esbuild";

const OUT = "dist/cli-bundle";

const BUNDLED = new Set([
  "@sinclair/typebox",
  "yaml",
  "commander",
  "picocolors",
  "fastest-levenshtein",
  "@grafana/schema",
]);

const packageName = (specifier: string): string =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

const onlyListedPackages: Plugin = {
  name: "only-listed-packages",
  setup(plugin) {
    plugin.onResolve({ filter: /^[^./]/ }, ({ path }) =>
      BUNDLED.has(packageName(path)) ? undefined : { path, external: true },
    );
  },
};

// Chunk names carry content hashes: without this, every rebuild would leave the previous chunks behind.
await rm(OUT, { recursive: true, force: true });
await build({
  entryPoints: { tracegen: "dist/cli/main.js" },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  plugins: [onlyListedPackages],
  // commander and yaml are CommonJS inside: their require() of Node's own modules needs a real require.
  banner: {
    js: 'import { createRequire as createRequireForBundle } from "node:module"; const require = createRequireForBundle(import.meta.url);',
  },
  logLevel: "warning",
});
