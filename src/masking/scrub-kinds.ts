import { canonicalKey } from "./keys.js";

/**
 * What a `scrub_queries` attribute holds, which decides how its literals are found:
 *   sql    a statement: string and number literals become ?
 *   url    a full URL, a path with ?query, or a request target (/p?q): query values become ?
 *   query  a bare query string (a=1&b=2): values become ?
 *   auto   decided per value by its shape: URL, query or path shapes as url, anything else as sql
 */
export const SCRUB_KINDS = ["sql", "url", "query", "auto"] as const;
export type ScrubKind = (typeof SCRUB_KINDS)[number];

/** Semantic-convention keys whose content is known, current and legacy names alike. */
const KNOWN_KIND: Record<string, ScrubKind> = Object.fromEntries(
  Object.entries({
    "url.full": "url",
    "url.original": "url",
    "http.url": "url",
    "url.path": "url",
    "http.target": "url",
    "url.query": "query",
    "db.statement": "sql",
    "db.query.text": "sql",
  }).map(([key, kind]) => [canonicalKey(key), kind as ScrubKind]),
);

export interface ScrubRule {
  key: string;
  kind: ScrubKind;
  /** The description gave the key alone and the kind was looked up (or fell back to auto). */
  inferred: boolean;
}

export type ScrubItem = string | { key: string; kind: ScrubKind };

/** The kind of a key given without one: from the table of well-known keys, otherwise auto. */
export const inferScrubKind = (key: string): ScrubKind => KNOWN_KIND[canonicalKey(key)] ?? "auto";

export const scrubRules = (items: readonly ScrubItem[]): ScrubRule[] =>
  items.map((item) =>
    typeof item === "string"
      ? { key: item, kind: inferScrubKind(item), inferred: true }
      : { key: item.key, kind: item.kind, inferred: false },
  );
