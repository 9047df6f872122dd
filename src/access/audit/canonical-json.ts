/*
 * One byte sequence per value: object keys sorted by code unit, no whitespace, dates as ISO-8601 UTC,
 * absent (undefined) object members left out. The audit hash chain hashes these bytes, so any two
 * programs that agree on the value agree on the hash.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`cannot serialize the number ${value} canonically`);
      return JSON.stringify(value);
    case "object":
      if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
      return `{${Object.keys(value)
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
        .join(",")}}`;
    default:
      throw new TypeError(`cannot serialize a ${typeof value} canonically`);
  }
}
