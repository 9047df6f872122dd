/*
 * The forms in which a planted value may come out: as planted, as text normalization makes
 * it (Unicode NFKC, zero-width characters dropped, %XX decoded, in every combination),
 * lower-cased, percent-encoded (also with + for spaces, as in a query string), and as a
 * Prometheus label name makes any text (every character outside [A-Za-z0-9_] an
 * underscore). Upper and lower case of ASCII are left to the search, which ignores them.
 */

/** Characters a reader does not see: the contract drops them before matching. */
export const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g;

const NORMALIZATIONS: ReadonlyArray<(s: string) => string> = [
  (s) => s.normalize("NFKC"),
  (s) => s.replace(ZERO_WIDTH, ""),
  percentDecode,
];

/** Printable ASCII without %: what normalization leaves as it is. */
const PLAIN = /^[\x20-\x24\x26-\x7e]*$/;

export function textForms(value: string): string[] {
  const normalized = new Set([value]);
  for (let changed = !PLAIN.test(value); changed;) {
    changed = false;
    for (const form of [...normalized])
      for (const normalize of NORMALIZATIONS) {
        const next = normalize(form);
        if (!normalized.has(next)) {
          normalized.add(next);
          changed = true;
        }
      }
  }
  const out = new Set<string>();
  for (const form of normalized) {
    out.add(form);
    if (!PLAIN.test(form)) out.add(form.toLowerCase()); // ASCII case is the search's business
    const encoded = encodeURIComponent(form);
    out.add(encoded);
    out.add(encoded.replace(/%20/g, "+"));
    out.add(form.replace(/[^A-Za-z0-9_]/g, "_"));
  }
  out.delete("");
  return [...out];
}

/** %XX sequences as the bytes they stand for, read as UTF-8 (what does not decode stays as it was). */
export function percentDecode(s: string): string {
  if (!s.includes("%")) return s;
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = Uint8Array.from(run.match(/%[0-9A-Fa-f]{2}/g)!, (h) => parseInt(h.slice(1), 16));
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return run;
    }
  });
}
