/**
 * The merge rule for environment overlays: mappings merge key by key, everything
 * else (lists, scalars, and a mapping replacing a scalar) replaces what the base had.
 */
export function overlay<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (isMapping(base) && isMapping(over)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(over)) merged[key] = overlay(merged[key], value);
    return merged as T;
  }
  return over as T;
}

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
