import { createHmac } from "node:crypto";
import { percentDecode, ZERO_WIDTH } from "./forms.js";

/*
 * What masking may make of a string, judged without knowing how it masks: the arrived text
 * is the sent text (or the sent text normalized the way the contract normalizes before
 * matching: NFKC, zero-width characters dropped, %XX decoded) with parts replaced by "?" (a
 * scrubbed literal) or "[REDACTED:<name>]", where <name> is a detector or custom rule the
 * description has. Which parts were replaced is not judged here; the leak oracle is strict
 * about what must not remain.
 */

export const normalizeText = (s: string): string => percentDecode(s.normalize("NFKC").replace(ZERO_WIDTH, ""));

/** Past this length a string is compared exactly: the matching below is quadratic. */
const MAX_LENIENT = 20_000;

export function maskedFrom(arrived: string, sent: string, names: ReadonlySet<string>): boolean {
  if (arrived === sent) return true;
  const normalized = normalizeText(sent);
  return matchesMasked(arrived, sent, names) || (normalized !== sent && matchesMasked(arrived, normalized, names));
}

/**
 * Whether `masked` can be `original` with parts replaced: each "?" (a scrubbed literal, or a
 * "?" that was there) and each "[REDACTED:<name>]" of a known name stands for one or more
 * characters, everything else must be equal.
 */
export function matchesMasked(masked: string, original: string, names: ReadonlySet<string>): boolean {
  if (masked.length > MAX_LENIENT || original.length > MAX_LENIENT) return masked === original;
  const tokens = masked.split(/(\?|\[REDACTED:[^\]]*\])/).filter((t) => t !== "");
  const wildcard = (t: string) => t === "?" || (t.startsWith("[REDACTED:") && names.has(t.slice(10, -1)));
  // reach[j]: the tokens so far can produce the first j characters of `original`.
  let reach = new Uint8Array(original.length + 1);
  reach[0] = 1;
  for (const token of tokens) {
    const next = new Uint8Array(original.length + 1);
    if (wildcard(token)) {
      let open = false;
      for (let j = 0; j < original.length; j++) {
        if (reach[j]) open = true;
        if (open) next[j + 1] = 1;
      }
    } else {
      for (let j = 0; j + token.length <= original.length; j++)
        if (reach[j] && original.startsWith(token, j)) next[j + token.length] = 1;
    }
    reach = next;
  }
  return reach[original.length] === 1;
}

export const PSEUDONYM = /^hmac:[0-9a-f]{32}$/;

/** The contract's pseudonym: "hmac:" and the first 32 hex digits of HMAC-SHA256(key, value as text). */
export const pseudonym = (key: string, value: string): string =>
  `hmac:${createHmac("sha256", key).update(value).digest("hex").slice(0, 32)}`;
