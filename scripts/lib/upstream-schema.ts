import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { repositoryOf, type GoModules } from "./go-modules.js";

/*
 * Turns the `config.schema.yaml` a collector component ships into one self-contained JSON Schema
 * (draft-07, what tracegen's Ajv speaks) of the config the collector accepts for it.
 *
 * How the collector reads a component's config decides the translation (confmap v1.67.0,
 * internal/decoder.go, `Decode`): mapstructure with `ErrorUnused: true` unless the caller asks for
 * `WithIgnoreUnused`, which no component config load does, so a key a struct does not declare is an
 * error: every object is closed (`additionalProperties: false`), except a struct with a
 * `mapstructure:",remain"` field, which takes the keys it does not declare (the tail sampler's
 * policies). `WeaklyTypedInput: false`: no string for a number or the reverse. Durations are decoded
 * from strings by time.ParseDuration. Embedded
 * structs are squashed into their parent, so an `allOf` of objects is one object with all their keys.
 * The schema is narrower than the collector in two places tracegen never relies on: a string where a
 * list of strings is expected (split at commas by StringToSliceHookFunc) and `null` for a plain struct.
 */

export type JsonSchema = { [key: string]: unknown };

interface SchemaFile {
  readonly pkg: string;
  readonly module: string;
  /** The package's folder: its Go sources say which of its types decode themselves from text. */
  readonly dir: string;
  readonly root: JsonSchema;
}

type Target = { key: string; name: string; node: JsonSchema; file: SchemaFile } | { key: string; missing: string };

/**
 * Where an upstream schema is wrong about what the collector accepts: a type that decodes itself
 * (encoding.TextUnmarshaler, confmap.Unmarshaler) is described by its Go kind. Types whose
 * UnmarshalText the translation finds on its own accept any string (see `decodesText`); the ones
 * below are spelled out because their accepted words are known.
 */
const CORRECTIONS: Record<string, JsonSchema> = {
  // configtelemetry.go, (*Level).UnmarshalText: the level names in any case; an int32 still decodes as is.
  "go.opentelemetry.io/collector/config/configtelemetry.level": {
    anyOf: [
      { type: "integer", minimum: -(2 ** 31), maximum: 2 ** 31 - 1 },
      { type: "string", pattern: `^(?:${["none", "basic", "normal", "detailed"].map(anyCase).join("|")})$` },
    ],
  },
  // internal/metrics/unit.go, (*Unit).UnmarshalText: "ms" or "s" in any case; an int8 still decodes as is.
  "github.com/open-telemetry/opentelemetry-collector-contrib/connector/spanmetricsconnector/internal/metrics.unit": {
    anyOf: [
      { type: "integer", minimum: -(2 ** 7), maximum: 2 ** 7 - 1 },
      { type: "string", pattern: `^(?:${["ms", "s"].map(anyCase).join("|")})$` },
    ],
  },
  // maplist.go, (*MapList).Unmarshal: a map of name to value is read as well as the list of pairs.
  "go.opentelemetry.io/collector/config/configopaque.map_list": {
    anyOf: [
      {
        type: "array",
        items: {
          type: "object",
          properties: { name: { type: "string" }, value: { type: "string" } },
          additionalProperties: false,
        },
      },
      { type: "object", additionalProperties: { type: "string" } },
    ],
  },
};

function anyCase(word: string): string {
  return [...word].map((c) => `[${c.toUpperCase()}${c}]`).join("");
}

/** What time.ParseDuration accepts: "0", or signed decimal numbers each followed by a unit. */
export const GO_DURATION_PATTERN = "^[-+]?(?:0|(?:(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+)$";

const INTEGER_BOUNDS: Record<string, { minimum?: number; maximum?: number }> = {
  uint8: { minimum: 0, maximum: 2 ** 8 - 1 },
  uint16: { minimum: 0, maximum: 2 ** 16 - 1 },
  uint32: { minimum: 0, maximum: 2 ** 32 - 1 },
  uint64: { minimum: 0 },
  uint: { minimum: 0 },
  int8: { minimum: -(2 ** 7), maximum: 2 ** 7 - 1 },
  int16: { minimum: -(2 ** 15), maximum: 2 ** 15 - 1 },
  int32: { minimum: -(2 ** 31), maximum: 2 ** 31 - 1 },
};

/** What a package's Go sources say that its schema does not. */
interface GoFacts {
  textTypes: Set<string>;
  remainFields: Set<string>;
}

export interface UpstreamSchema {
  /** The component's module and the version the build selected. */
  module: string;
  /** Every other module@version a ref reached. */
  drawnFrom: string[];
  /** Refs that name a package shipping no schema, or that would recurse: accepted as anything. */
  unresolved: string[];
  schema: JsonSchema;
}

export class UpstreamSchemaReader {
  private readonly files = new Map<string, SchemaFile | string>();
  private readonly facts = new Map<string, GoFacts>();

  constructor(private readonly modules: GoModules) {}

  /** The component module's own schema, fully resolved; undefined when the module ships none. */
  read(module: string): UpstreamSchema | undefined {
    const file = this.file(module);
    if (typeof file === "string") return undefined;
    const drawn = new Set<string>();
    const unresolved = new Set<string>();
    const translator = new Translator(this, drawn, unresolved);
    const schema = factorDefinitions(translator.node(file.root, file, []));
    drawn.delete(module);
    return {
      module: `${module}@${this.modules.versions.get(module)}`,
      drawnFrom: [...drawn].map((m) => `${m}@${this.modules.versions.get(m)}`).sort(),
      unresolved: [...unresolved].sort(),
      schema,
    };
  }

  /** A package's schema file, or why there is none. */
  file(pkg: string): SchemaFile | string {
    const cached = this.files.get(pkg);
    if (cached !== undefined) return cached;
    const loaded = this.load(pkg);
    this.files.set(pkg, loaded);
    return loaded;
  }

  private load(pkg: string): SchemaFile | string {
    const module = this.modules.moduleOf(pkg);
    if (!module) return `no module of the build holds ${pkg}`;
    const moduleDir = this.modules.dirOf(module);
    // A module of the build missing from the cache would pass for one that ships no schema.
    if (!existsSync(moduleDir))
      throw new Error(`${moduleDir} is missing from the Go module cache: run \`FORCE=1 npm run collector:build\``);
    const path = join(moduleDir, pkg.slice(module.length), "config.schema.yaml");
    if (!existsSync(path)) return `${pkg} ships no config.schema.yaml`;
    return { pkg, module, dir: dirname(path), root: parse(readFileSync(path, "utf8")) as JsonSchema };
  }

  /** Whether the Go type a definition describes has an UnmarshalText method in its package. */
  decodesText(file: SchemaFile, name: string): boolean {
    return this.goFacts(file).textTypes.has(name.replaceAll("_", ""));
  }

  /**
   * Whether a property is a `mapstructure:",remain"` field: it has no key of its own but takes every
   * key the struct does not declare (the schema generator names it after the Go field).
   */
  takesRemainingKeys(file: SchemaFile, property: string): boolean {
    return this.goFacts(file).remainFields.has(property);
  }

  private goFacts(file: SchemaFile): GoFacts {
    let facts = this.facts.get(file.pkg);
    if (!facts) {
      facts = { textTypes: new Set(), remainFields: new Set() };
      for (const source of readdirSync(file.dir).filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))) {
        const text = readFileSync(join(file.dir, source), "utf8");
        for (const m of text.matchAll(UNMARSHAL_TEXT)) facts.textTypes.add(m[1]!.toLowerCase());
        for (const m of text.matchAll(REMAIN_FIELD)) facts.remainFields.add(m[1]!);
      }
      this.facts.set(file.pkg, facts);
    }
    return facts;
  }

  /**
   * A ref names a `$defs` entry of the same file (`dimension`), or a package and one of its `$defs`
   * (`pkg.name`, with `config` falling back to the package's top-level schema): the package is a full
   * import path, a path from the root of the referring file's repository (`/config/configgrpc`), or
   * from the referring package (`./internal/common`).
   */
  target(ref: string, from: SchemaFile): Target {
    if (!ref.includes("/")) return this.definition(from, ref);
    const dot = ref.lastIndexOf(".");
    if (dot <= ref.lastIndexOf("/")) return { key: ref, missing: `ref ${ref} names no definition` };
    const path = ref.slice(0, dot);
    const pkg = path.startsWith("./")
      ? `${from.pkg}/${path.slice(2)}`
      : path.startsWith("/")
        ? `${repositoryOf(from.module)}${path}`
        : path;
    const file = this.file(pkg);
    if (typeof file === "string") return { key: `${pkg}.${ref.slice(dot + 1)}`, missing: file };
    return this.definition(file, ref.slice(dot + 1));
  }

  private definition(file: SchemaFile, name: string): Target {
    const key = `${file.pkg}.${name}`;
    const defs = (file.root.$defs ?? {}) as Record<string, JsonSchema>;
    const node = defs[name] ?? (name === "config" ? file.root : undefined);
    return node ? { key, name, node, file } : { key, missing: `${file.pkg} defines no ${name}` };
  }
}

class Translator {
  constructor(
    private readonly reader: UpstreamSchemaReader,
    private readonly drawn: Set<string>,
    private readonly unresolved: Set<string>,
  ) {}

  node(node: JsonSchema, file: SchemaFile, trail: readonly string[]): JsonSchema {
    this.drawn.add(file.module);
    const base = typeof node.$ref === "string" ? this.ref(node.$ref, file, trail) : undefined;
    const objectLike = node.properties !== undefined || node.allOf !== undefined || node.type === "object";
    // A ref beside keys of its own is one more embedded struct; beside a description it is the type itself.
    const out =
      base && !objectLike
        ? { ...base, ...this.keywords(node, file, trail, []) }
        : this.keywords(node, file, trail, base ? [base] : []);
    if (node["x-optional"] === true) return nullable(withEnabled(out));
    if (node["x-pointer"] === true) return nullable(out);
    return out;
  }

  private ref(ref: string, file: SchemaFile, trail: readonly string[]): JsonSchema {
    const target = this.reader.target(ref, file);
    const correction = CORRECTIONS[target.key];
    if (correction) return structuredClone(correction);
    if ("missing" in target) {
      this.unresolved.add(`${target.key}: ${target.missing}`);
      return { [NOT_CHECKED]: target.missing };
    }
    if (trail.includes(target.key)) {
      this.unresolved.add(`${target.key}: refers to itself`);
      return { [NOT_CHECKED]: `${target.key} refers to itself` };
    }
    const schema = this.node(target.node, target.file, [...trail, target.key]);
    const scalar = typeof schema.type === "string" && !["string", "object", "array"].includes(schema.type);
    if (scalar && this.reader.decodesText(target.file, target.name))
      return { anyOf: [schema, { type: "string", [NOT_CHECKED]: `the text ${target.key} decodes from` }] };
    return schema.type === "object" ? { ...schema, [DEFINITION]: target.key } : schema;
  }

  private keywords(node: JsonSchema, file: SchemaFile, trail: readonly string[], embedded: JsonSchema[]): JsonSchema {
    const out: JsonSchema = {};
    if (typeof node.description === "string") out.description = node.description;
    if (typeof node.type === "string") out.type = node.type;
    if (Array.isArray(node.enum)) out.enum = node.enum;
    if (node.format === "duration") out.pattern = GO_DURATION_PATTERN;
    if (node.type === "integer" && typeof node["x-customType"] === "string")
      Object.assign(out, INTEGER_BOUNDS[node["x-customType"]] ?? {});
    if (isSchema(node.items)) out.items = this.node(node.items, file, trail);
    const properties = node.properties as Record<string, JsonSchema> | undefined;
    const parts = [
      ...embedded,
      ...(Array.isArray(node.allOf) ? (node.allOf as JsonSchema[]).map((p) => this.node(p, file, trail)) : []),
    ];
    if (properties || parts.length > 0 || node.type === "object") {
      // Embedded structs are squashed: their keys are the parent's own keys.
      const merged: Record<string, JsonSchema> = {};
      for (const part of parts) Object.assign(merged, part.properties as Record<string, JsonSchema> | undefined);
      let remaining: JsonSchema | undefined;
      for (const [key, value] of Object.entries(properties ?? {})) {
        if (this.reader.takesRemainingKeys(file, key)) remaining = this.node(value, file, trail);
        else merged[key] = this.node(value, file, trail);
      }
      out.type = "object";
      if (Object.keys(merged).length > 0) out.properties = merged;
      const open = parts.some((p) => p.additionalProperties !== false);
      if (remaining)
        out.additionalProperties = isSchema(remaining.additionalProperties) ? remaining.additionalProperties : {};
      else if (isSchema(node.additionalProperties))
        out.additionalProperties = this.node(node.additionalProperties, file, trail);
      else if (!open) out.additionalProperties = false;
      else {
        const unchecked = parts.filter((p) => typeof p[NOT_CHECKED] === "string").map((p) => p[NOT_CHECKED]);
        if (unchecked.length > 0) out[NOT_CHECKED] = unchecked.join("; ");
      }
    }
    return out;
  }
}

/** Tags an object a ref named with that ref, until `factorDefinitions` moves it into `definitions`. */
const DEFINITION = Symbol("definition");
/** Marks what the schema lets through unchecked, and why. */
const NOT_CHECKED = "x-not-checked";
const UNMARSHAL_TEXT = /^func \(\w+ \*(\w+)\) UnmarshalText\(/gm;
const REMAIN_FIELD = /^\s+(\w+)\s+[^\n`]+`mapstructure:",remain"`/gm;

const isSchema = (v: unknown): v is JsonSchema => v !== null && typeof v === "object" && !Array.isArray(v);

/** configoptional.Optional reads an `enabled` key of its own before the wrapped struct's keys. */
function withEnabled(schema: JsonSchema): JsonSchema {
  if (schema.type !== "object" || !isSchema(schema.properties) || "enabled" in schema.properties) return schema;
  return { ...schema, properties: { ...schema.properties, enabled: { type: "boolean" } } };
}

/** `null` leaves an optional or pointer field unset. */
function nullable(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === "string") return { ...schema, type: [schema.type, "null"] };
  if (Array.isArray(schema.anyOf)) return { ...schema, anyOf: [...schema.anyOf, { type: "null" }] };
  return schema;
}

/**
 * Moves every object a ref named into `definitions`, once per distinct content, and refers to it
 * there: the tail sampler's nested policies repeat the same structs many times, and Ajv compiles a
 * definition once where it would compile every inlined copy.
 */
export function factorDefinitions(schema: JsonSchema): JsonSchema {
  const definitions: Record<string, JsonSchema> = {};
  const names = new Map<string, string>();
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (!isSchema(value)) return value;
    const key = (value as { [DEFINITION]?: string })[DEFINITION];
    const { description, ...body } = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v)]));
    if (typeof key !== "string") return description === undefined ? body : { description, ...body };
    const identity = JSON.stringify(canonical(body));
    let name = names.get(identity);
    if (!name) {
      const base = key.slice(key.lastIndexOf("/") + 1);
      name =
        base in definitions ? `${base}_${Object.keys(definitions).filter((n) => n.startsWith(base)).length + 1}` : base;
      names.set(identity, name);
      definitions[name] = body;
    }
    const ref = { $ref: `#/definitions/${name}` };
    return description === undefined ? ref : { description, ...ref };
  };
  const root = visit(schema) as JsonSchema;
  return Object.keys(definitions).length > 0 ? { ...root, definitions } : root;
}

/** Keys in a fixed order, nested keys sorted: the same schema always prints the same bytes. */
const FIRST = ["$schema", "$comment", "title", "x-module", "x-drawn-from", "x-unresolved", "description", "type"];

export function canonical(value: unknown, names = false): unknown {
  if (Array.isArray(value)) return value.map((v) => canonical(v));
  if (!isSchema(value)) return value;
  // In a map of property names every key is a name; elsewhere they are keywords, the known ones first.
  const rank = (k: string) => (names || !FIRST.includes(k) ? FIRST.length : FIRST.indexOf(k));
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, canonical(value[k], !names && k === "properties")]));
}
