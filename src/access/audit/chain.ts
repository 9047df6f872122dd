import { createHash } from "node:crypto";

/** The previous hash of the first row: no row before it. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * A row's hash covers its predecessor's hash, its own sequence number and its canonical record, so
 * changing, reordering or renumbering any row breaks every hash from there on.
 */
export function chainHash(prevHash: string, seq: bigint | number, record: string): string {
  return createHash("sha256").update(`${prevHash}\n${seq}\n${record}`, "utf8").digest("hex");
}

/**
 * The text PostgreSQL stores for a JavaScript string: NUL is not allowed in `text` and lone
 * surrogates are not UTF-8, so both become U+FFFD. The indexed copies of record fields hold this
 * form; the record itself keeps the exact value as JSON escapes.
 */
export function storableText(value: string): string {
  return Buffer.from(value.replaceAll("\u0000", "\uFFFD"), "utf8").toString("utf8");
}
