import type { ErrorObject } from "ajv";
import { Value } from "@sinclair/typebox/value";
import { cachedValidator } from "./compiled.js";
import { Name, RuleName } from "../../schema/primitives.js";
import type { TSchema } from "@sinclair/typebox";
import type { Diagnostic, Location } from "../../diagnostics/diagnostic.js";
import { suggest } from "../../diagnostics/suggest.js";
import { locate, type Path, type YamlSource } from "../../load/yaml-source.js";

const validatorFor = cachedValidator({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true }, [
  "x-expect",
]);

/**
 * Checks a value against a schema and turns ajv's errors into diagnostics that
 * point into the source, through a locator that knows where `value` was written.
 */
export type Locator = (path: Path, at: "key" | "value") => Location;

export const sourceLocator =
  (source: YamlSource | undefined, file: string, base: Path = []): Locator =>
  (path, at) =>
    source ? locate(source, [...base, ...path], at) : { file, line: 1, col: 1 };

export function checkSchema(where: Locator, value: unknown, schema: TSchema): Diagnostic[] {
  // The interpreter answers a valid document without ajv's costly compile; ajv runs only to explain a failure.
  if (Value.Check(schema, value)) return [];
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  const errors = dropMisspeltRequired(pruneUnionBranches(validate.errors ?? [], value));
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const error of errors) {
    const d = toDiagnostic(where, error);
    const key = `${d.line}:${d.col}:${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      diagnostics.push(d);
    }
  }
  return diagnostics;
}

function toDiagnostic(where: Locator, error: ErrorObject): Diagnostic {
  const path = pointerToPath(error.instancePath);
  const at = dotted(path);
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  const found = describeValue(error.data);
  const make = (target: Path, atKey: boolean, code: string, message: string, hint?: string): Diagnostic => ({
    ...where(target, atKey ? "key" : "value"),
    severity: "error",
    code,
    message,
    ...(hint ? { hint } : {}),
  });
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const properties = Object.keys((parent["properties"] as Record<string, unknown> | undefined) ?? {});
      if (properties.length === 0) {
        return make(
          [...path, key],
          true,
          "invalid-name",
          `invalid name \`${key}\` in ${at || "the description"}; expected ${namePhrase(parent)}`,
        );
      }
      const close = suggest(key, properties);
      return make(
        [...path, key],
        true,
        "unknown-key",
        `unknown key \`${key}\` in ${at || "the top level"}; expected one of ${properties.map((p) => `\`${p}\``).join(", ")}`,
        close ? `did you mean \`${close}\`?` : undefined,
      );
    }
    case "required": {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      const described = (parent["properties"] as Record<string, { description?: string }> | undefined)?.[missing]
        ?.description;
      return make(
        path,
        path.length > 0,
        "missing-key",
        `missing key \`${missing}\` in ${at || "the top level"}${described ? ` (${lowerFirst(described)})` : ""}`,
      );
    }
    case "type":
      return make(
        path,
        false,
        "wrong-type",
        `${at || "the description"} must be ${(parent["x-expect"] as string | undefined) ?? article(String(error.schema))}; found ${found}`,
      );
    case "const":
      return make(
        path,
        false,
        "wrong-value",
        `${at || "the description"} must be \`${String(error.schema)}\`; found ${found}`,
      );
    case "anyOf": {
      const options = literalOptions(error.schema);
      if (options.length > 0) {
        const close = typeof error.data === "string" ? suggest(error.data, options) : undefined;
        const quoted = typeof error.data !== "string" && options.includes(String(error.data));
        const hint = close ? `did you mean \`${close}\`?` : quoted ? `quote it: "${String(error.data)}"` : undefined;
        return make(
          path,
          false,
          "wrong-value",
          `${at} must be one of ${options.map((o) => `\`${o}\``).join(", ")}; found ${found}`,
          hint,
        );
      }
      return make(path, false, "wrong-type", `${at} must be ${unionPhrase(error.schema)}; found ${found}`);
    }
    case "pattern":
    case "minLength": {
      const expected =
        (parent["x-expect"] as string | undefined) ??
        `a string matching ${String(parent["pattern"] ?? "a non-empty string")}`;
      return make(path, false, "bad-format", `${at} must be ${expected}; found ${found}`);
    }
    case "minimum":
    case "maximum":
      return make(
        path,
        false,
        "out-of-range",
        `${at} must be ${error.keyword === "minimum" ? "at least" : "at most"} ${String(error.schema)}; found ${found}`,
      );
    case "minItems":
    case "minProperties":
      return make(
        path,
        false,
        "too-few",
        `${at} must have at least ${String(error.schema)} ${error.keyword === "minItems" ? "item" : "entry"}${Number(error.schema) === 1 ? "" : "s"}`,
      );
    case "maxProperties":
      return make(
        path,
        false,
        "too-many",
        `${at} must have ${(parent["x-expect"] as string | undefined) ?? `at most ${String(error.schema)} entries`}; found ${Object.keys(error.data as object).join(", ")}`,
        "an environment merges into the base key by key, so keys from both end up here: set it in each environment, not in the base",
      );
    default:
      return make(path, false, "invalid", `${at}: ${error.message ?? "invalid"}`);
  }
}

/**
 * ajv reports every branch of a union. Keep the branch the user evidently meant
 * (the one whose type matches the value) so a typo inside a TLS block is reported
 * as that typo, not as "must be `off`".
 */
function pruneUnionBranches(errors: ErrorObject[], root: unknown): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === "anyOf");
  let kept = errors;
  for (const union of unions) {
    const branches = union.schema as Array<Record<string, unknown>>;
    const data = valueAt(root, pointerToPath(union.instancePath));
    const chosen = objectBranchFor(branches, data);
    const prefix = `${union.schemaPath.replace(/^#/, "")}/`;
    kept = kept.filter((e) => {
      const inUnion = e.schemaPath.replace(/^#/, "").startsWith(prefix) && isWithin(e.instancePath, union.instancePath);
      if (!inUnion) return e !== union || chosen < 0;
      return chosen >= 0 && e.schemaPath.replace(/^#/, "").startsWith(`${prefix}${chosen}/`);
    });
  }
  return kept;
}

/** Of a union's mapping branches, the one whose keys the value uses most: where its mistake is explained. */
function objectBranchFor(branches: Array<Record<string, unknown>>, data: unknown): number {
  if (!isPlainObject(data)) return -1;
  const keys = Object.keys(data);
  let chosen = -1;
  let shared = -1;
  branches.forEach((branch, i) => {
    if (branch["type"] !== "object") return;
    const properties = Object.keys((branch["properties"] as object | undefined) ?? {});
    const count = keys.filter((key) => properties.includes(key)).length;
    if (count > shared) [chosen, shared] = [i, count];
  });
  return chosen;
}

const isWithin = (pointer: string, parent: string): boolean => pointer === parent || pointer.startsWith(`${parent}/`);

/** "missing `keep`" next to "unknown `kep`" says the same thing twice; keep the one with the fix in it. */
function dropMisspeltRequired(errors: ErrorObject[]): ErrorObject[] {
  const misspelt = new Set(
    errors
      .filter((e) => e.keyword === "additionalProperties")
      .flatMap((e) => {
        const key = String((e.params as { additionalProperty: string }).additionalProperty);
        const properties = Object.keys(((e.parentSchema ?? {}) as { properties?: object }).properties ?? {});
        const close = suggest(key, properties);
        return close ? [`${e.instancePath}/${close}`] : [];
      }),
  );
  return errors.filter(
    (e) =>
      e.keyword !== "required" ||
      !misspelt.has(`${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`),
  );
}

/** A map's keys follow the pattern of one of the name primitives; say which in words. */
function namePhrase(mapSchema: Record<string, unknown>): string {
  const pattern = Object.keys((mapSchema["patternProperties"] as object | undefined) ?? {})[0];
  const primitive = [Name, RuleName].find((p) => p.pattern === pattern);
  return primitive?.["x-expect"] ?? `a name matching ${pattern ?? "the allowed names"}`;
}

function literalOptions(schema: unknown): string[] {
  if (!Array.isArray(schema)) return [];
  const branches = schema as Array<Record<string, unknown>>;
  return branches.every((b) => "const" in b) ? branches.map((b) => String(b["const"])) : [];
}

function unionPhrase(schema: unknown): string {
  if (!Array.isArray(schema)) return "a valid value";
  return (schema as Array<Record<string, unknown>>)
    .map((b) =>
      "const" in b
        ? `\`${String(b["const"])}\``
        : ((b["x-expect"] as string | undefined) ?? article(String(b["type"] ?? "value"))),
    )
    .join(" or ");
}

function article(type: string): string {
  const names: Record<string, string> = {
    object: "a mapping",
    array: "a list",
    string: "a string",
    integer: "a whole number",
    number: "a number",
    boolean: "true or false",
  };
  return names[type] ?? type;
}

function describeValue(data: unknown): string {
  if (data === null || data === undefined) return "nothing";
  if (data === "") return "an empty string";
  if (Array.isArray(data)) return "a list";
  if (typeof data === "object") return "a mapping";
  if (typeof data === "string") return `\`${data.length > 60 ? `${data.slice(0, 57)}...` : data}\``;
  return `\`${String(data)}\` (${typeof data === "number" ? (Number.isInteger(data) ? "a whole number" : "a number") : typeof data})`;
}

/** "The order flows" reads well mid-sentence as "the order flows"; "TLS settings" must stay as it is. */
const lowerFirst = (s: string): string =>
  (/^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s).replace(/\.$/, "");

export function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export const dotted = (path: Path): string =>
  path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");

function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const s of path) v = (v as Record<string | number, unknown> | undefined)?.[s];
  return v;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
