import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/*
 * The config schemas the collector's components ship at the pinned release, translated to JSON Schema
 * by `npm run schema:components` (scripts/component-schemas.ts) and checked in under schema/upstream.
 * They say what the collector accepts; the schemas of src/collector/components.ts say what tracegen writes.
 */

/** Where the upstream schemas live, relative to the package root. */
export const UPSTREAM_SCHEMA_DIR = "schema/upstream";

/** The file header fields the script writes beside the schema itself. */
export interface UpstreamSchema {
  title: string;
  /** The component's Go module at the version the distribution was built with. */
  "x-module": string;
  /** Refs the script could not follow (a package without a schema): accepted as anything. */
  "x-unresolved": string[];
  [keyword: string]: unknown;
}

// src/collector and dist/collector are both two folders below the package root.
const dir = new URL(`../../${UPSTREAM_SCHEMA_DIR}/`, import.meta.url);
const loaded = new Map<string, UpstreamSchema | undefined>();

/** The upstream schema of a component type, if its module ships one. */
export function upstreamSchemaOf(type: string): UpstreamSchema | undefined {
  if (!loaded.has(type)) {
    const path = fileURLToPath(new URL(`${type}.schema.json`, dir));
    loaded.set(type, existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as UpstreamSchema) : undefined);
  }
  return loaded.get(type);
}
