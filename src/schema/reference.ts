import type { TSchema } from "@sinclair/typebox";
import { renderTemplate } from "../emit/templates.js";
import { Description } from "./description.js";

/** The published JSON Schema: the same object the validator uses, serialized. */
export const publishedSchema = (): string => `${JSON.stringify(Description, null, 2)}\n`;

interface Row {
  path: string;
  type: string;
  /** Markdown of the default, or "" when there is none. */
  default: string;
  description: string;
}

/** The reference page of the description format, generated so it can never drift from the schema. */
export function referencePage(): string {
  const rows: Row[] = [];
  walk(Description, "", rows);
  return renderTemplate("description-format.md.hbs", {
    rows: rows.filter((r) => !r.path.startsWith("environments.<name>.") || r.path === "environments.<name>.tier"),
  });
}

function walk(schema: TSchema, path: string, rows: Row[]): void {
  const s = schema as Record<string, unknown>;
  if (path) {
    rows.push({
      path,
      type: typeName(s),
      default: s["default"] !== undefined ? `\`${JSON.stringify(s["default"])}\`` : "",
      description: String(s["description"] ?? "").replace(/\|/g, "\\|"),
    });
  }
  walkChildren(s, path, rows);
}

/** A union's mapping branch (`tls`: settings or `off`) documents its keys under the union's own row. */
function walkChildren(s: Record<string, unknown>, path: string, rows: Row[]): void {
  const properties = s["properties"] as Record<string, TSchema> | undefined;
  if (properties)
    for (const [key, child] of Object.entries(properties)) walk(child, path ? `${path}.${key}` : key, rows);
  const patterns = s["patternProperties"] as Record<string, TSchema> | undefined;
  if (patterns) for (const child of Object.values(patterns)) walk(child, `${path}.<name>`, rows);
  const anyOf = s["anyOf"] as Array<Record<string, unknown>> | undefined;
  if (anyOf) for (const branch of anyOf) if (branch["type"] === "object") walkChildren(branch, path, rows);
  // A list whose items may be mappings (`scrub_queries`: a key or `{ key, kind }`) documents their keys as `list[]`.
  const items = s["items"] as Record<string, unknown> | undefined;
  if (s["type"] === "array" && items) walkChildren(items, `${path}[]`, rows);
}

function typeName(s: Record<string, unknown>): string {
  if (Array.isArray(s["anyOf"])) {
    return (s["anyOf"] as Array<Record<string, unknown>>)
      .map((b) => ("const" in b ? `\`${String(b["const"])}\`` : typeName(b)))
      .join(" \\| ");
  }
  if ("const" in s) return `\`${String(s["const"])}\``;
  if (s["x-expect"]) return String(s["x-expect"]).replace(/\|/g, "\\|");
  if (s["type"] === "array") return `list of ${typeName((s["items"] ?? {}) as Record<string, unknown>)}`;
  if (s["type"] === "object") return s["patternProperties"] ? "map by name" : "mapping";
  return String(s["type"] ?? "any");
}
