type Schema = { [keyword: string]: unknown };

const isSchema = (v: unknown): v is Schema => v !== null && typeof v === "object" && !Array.isArray(v);
const typesOf = (s: Schema): string[] | undefined =>
  typeof s.type === "string" ? [s.type] : Array.isArray(s.type) ? (s.type as string[]) : undefined;

/** The JSON type of a narrow schema: its `type`, or that of its constant. */
function narrowType(s: Schema): string | undefined {
  if (typeof s.type === "string") return s.type;
  if (!("const" in s)) return undefined;
  const value = s.const;
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value === "number" ? (Number.isInteger(value) ? "integer" : "number") : typeof value;
}

/**
 * Where a narrow schema allows what a wide one does not: a key the wide object lacks, a type it does
 * not take, a bound beyond its own, a constant it refuses. Walks both trees side by side; a wide node
 * with no type (a ref its author could not resolve, an `any`) takes everything below it. Patterns are
 * not compared with patterns: regular-language inclusion is beyond a walk, so only constants are tried.
 */
export function allowedOutside(narrow: Schema, wide: Schema, path = "$"): string[] {
  if (Array.isArray(narrow.anyOf)) return (narrow.anyOf as Schema[]).flatMap((n) => allowedOutside(n, wide, path));
  if (Array.isArray(wide.anyOf)) {
    const tries = (wide.anyOf as Schema[]).map((w) => allowedOutside(narrow, w, path));
    return tries.some((t) => t.length === 0) ? [] : [`${path}: matches no alternative upstream allows`];
  }
  const wideTypes = typesOf(wide);
  if (!wideTypes && !isSchema(wide.properties)) return [];
  const type = narrowType(narrow);
  if (type === undefined)
    return [`${path}: allows any type, upstream allows ${wideTypes?.join(" or ") ?? "an object"}`];
  const fits = !wideTypes || wideTypes.includes(type) || (type === "integer" && wideTypes.includes("number"));
  if (!fits) return [`${path}: ${type} where upstream has ${wideTypes.join(" or ")}`];
  const problems: string[] = [];
  if (
    "const" in narrow &&
    typeof wide.pattern === "string" &&
    !new RegExp(wide.pattern, "u").test(String(narrow.const))
  )
    problems.push(`${path}: ${JSON.stringify(narrow.const)} does not match upstream's pattern`);
  if (typeof wide.minimum === "number" && !((narrow.minimum as number) >= wide.minimum))
    problems.push(`${path}: allows less than upstream's minimum ${wide.minimum}`);
  if (typeof wide.maximum === "number" && !((narrow.maximum as number) <= wide.maximum))
    problems.push(`${path}: allows more than upstream's maximum ${wide.maximum}`);
  if (type === "array" && isSchema(narrow.items) && isSchema(wide.items))
    problems.push(...allowedOutside(narrow.items, wide.items, `${path}[]`));
  if (type === "object") {
    if (narrow.additionalProperties !== false && wide.additionalProperties === false)
      problems.push(`${path}: open, upstream allows only its keys`);
    for (const [key, schema] of Object.entries((narrow.properties ?? {}) as Record<string, Schema>)) {
      const known = (wide.properties as Record<string, Schema> | undefined)?.[key];
      if (known) problems.push(...allowedOutside(schema, known, `${path}.${key}`));
      else if (isSchema(wide.additionalProperties))
        problems.push(...allowedOutside(schema, wide.additionalProperties, `${path}.${key}`));
      else if (wide.additionalProperties === false) problems.push(`${path}.${key}: not a key upstream`);
    }
  }
  return problems;
}
