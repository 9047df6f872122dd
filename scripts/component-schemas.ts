import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { UPSTREAM_SCHEMA_DIR } from "../src/collector/upstream-schemas.js";
import { writeAtomically } from "../src/emit/write-atomically.js";
import { builtModules, componentSchemaFiles, upstreamTypeFiles } from "./lib/component-schema-files.js";

/*
 * Regenerates schema/upstream/ from the config.schema.yaml files of the distribution's modules, at the
 * versions of the last collector build (npm run collector:build). Run it again when the release moves
 * or a component joins the registry.
 */
const root = process.cwd();
const files = componentSchemaFiles(builtModules(root));
const kept = new Set(files.map((f) => f.path));
const present = await readdir(join(root, UPSTREAM_SCHEMA_DIR)).catch(() => [] as string[]);
for (const name of present) {
  const path = `${UPSTREAM_SCHEMA_DIR}/${name}`;
  if (name.endsWith(".schema.json") && !kept.has(path)) await rm(join(root, path));
}
const types = await upstreamTypeFiles(files);
await writeAtomically(root, [...files, ...types]);
process.stdout.write(`wrote ${[...files, ...types].map((f) => f.path).join(", ")}\n`);
