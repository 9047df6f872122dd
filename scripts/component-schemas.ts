import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeAtomically } from "../src/emit/write-atomically.js";
import {
  builtModules,
  componentSchemaFiles,
  UPSTREAM_SCHEMA_DIR,
  UPSTREAM_TYPES_DIR,
  upstreamTypeFiles,
} from "./lib/component-schema-files.js";

/*
 * Regenerates schema/upstream/ from the config.schema.yaml files of the distribution's modules, at the
 * versions of the last collector build (npm run collector:build). Run it again when the release moves
 * or a component joins the registry.
 */
const root = process.cwd();
const schemas = componentSchemaFiles(builtModules(root));
const files = [...schemas, ...(await upstreamTypeFiles(schemas))];
// A component that left the registry leaves no schema behind.
const kept = new Set(files.map((f) => f.path));
for (const dir of [UPSTREAM_SCHEMA_DIR, UPSTREAM_TYPES_DIR]) {
  for (const name of await readdir(join(root, dir)).catch(() => [] as string[]))
    if (!kept.has(`${dir}/${name}`)) await rm(join(root, dir, name));
}
await writeAtomically(root, files);
process.stdout.write(`wrote ${files.map((f) => f.path).join(", ")}\n`);
