import { createHash, timingSafeEqual } from "node:crypto";

/*
 * Partners' API keys for the Shop API, from SHOP_PARTNER_KEYS (`partnerId:key,partnerId:key`). Keys
 * are held as SHA-256 digests and compared in constant time.
 */

export const PARTNER_KEY_HEADER = "x-partner-key";

const digest = (key: string) => createHash("sha256").update(key).digest();

/** Digest (hex) → partner id. */
export function partnerKeys(spec: string | undefined): ReadonlyMap<string, string> {
  const keys = new Map<string, string>();
  for (const entry of (spec ?? "").split(",").filter(Boolean)) {
    const at = entry.indexOf(":");
    if (at <= 0 || at === entry.length - 1) throw new Error(`SHOP_PARTNER_KEYS: expected partnerId:key, got ${entry}`);
    keys.set(digest(entry.slice(at + 1)).toString("hex"), entry.slice(0, at));
  }
  return keys;
}

export function partnerFromKey(keys: ReadonlyMap<string, string>, key: string): string | undefined {
  const offered = digest(key);
  for (const [known, partnerId] of keys) if (timingSafeEqual(Buffer.from(known, "hex"), offered)) return partnerId;
  return undefined;
}
