import { createHmac } from "node:crypto";
import RE2 from "re2";
import { scalarAsString, type AnyValue, type KeyValue } from "../../otlp/model.js";
import type { ResolvedPipeline } from "../../resolve/resolve.js";

/*
 * What a span must look like after masking, computed from what was sent. The rules are
 * DESIGN.md's and the masking processor's documented contract: `remove` drops a key at any
 * depth; `pseudonymize` replaces every scalar under a key by "hmac:" + the first 32 hex
 * digits of HMAC-SHA256(key, value as text), keeping a value already shaped like that (so
 * masking twice changes nothing); `scrub_queries` turns literals into "?";
 * `redact_values` replaces each match by "[REDACTED:<rule>]" in every string, after the
 * rules above. Scrubbed values are judged by shape (see `matchesScrubbed`), everything else
 * exactly.
 */

export interface MaskingRules {
  remove: ReadonlySet<string>;
  pseudonymize: ReadonlySet<string>;
  scrub: ReadonlySet<string>;
  redact: ReadonlyArray<{ name: string; pattern: RE2; global: RE2 }>;
  /** All redaction patterns as one alternation: most strings match none, and one RE2 call says so. */
  anyRedaction: RE2 | undefined;
  hmacKey: string;
  /** Spans repeat their strings (methods, routes, flow names): each is redacted and tested once. */
  cache: { redacted: Map<string, string>; matching: Map<string, readonly string[]> };
}

export function maskingRules(pipeline: ResolvedPipeline, hmacKey: string): MaskingRules {
  const { masking } = pipeline;
  return {
    remove: new Set(masking.remove),
    pseudonymize: new Set(masking.pseudonymize),
    scrub: new Set(masking.scrub_queries),
    redact: Object.entries(masking.redact_values).map(([name, pattern]) => ({
      name,
      pattern: new RE2(pattern),
      global: new RE2(pattern, "g"),
    })),
    anyRedaction:
      Object.keys(masking.redact_values).length > 0
        ? new RE2(
            Object.values(masking.redact_values)
              .map((p) => `(?:${p})`)
              .join("|"),
          )
        : undefined,
    hmacKey,
    cache: { redacted: new Map(), matching: new Map() },
  };
}

/** The redaction rules whose pattern occurs in `text`. */
export function matchingRules(rules: MaskingRules, text: string): readonly string[] {
  let names = rules.cache.matching.get(text);
  if (names === undefined) {
    names = rules.anyRedaction?.test(text) ? rules.redact.filter((r) => r.pattern.test(text)).map((r) => r.name) : [];
    rules.cache.matching.set(text, names);
  }
  return names;
}

export const pseudonym = (key: string, value: string): string =>
  `hmac:${createHmac("sha256", key).update(value).digest("hex").slice(0, 32)}`;

export const PSEUDONYM = /^hmac:[0-9a-f]{32}$/;

export function redact(rules: MaskingRules, text: string): string {
  let out = rules.cache.redacted.get(text);
  if (out === undefined) {
    out = text;
    if (matchingRules(rules, text).length > 0)
      for (const r of rules.redact) {
        const replacement = `[REDACTED:${r.name}]`;
        out = out.replace(r.global, () => replacement);
      }
    rules.cache.redacted.set(text, out);
  }
  return out;
}

/** An expected value: exact, or a scrubbed string whose literals are unknown. */
export type Expected =
  | { type: "exact"; value: AnyValue; pseudonymized?: boolean }
  | { type: "array"; values: Expected[] }
  | { type: "kvlist"; values: ExpectedKeyValue[] }
  | { type: "scrubbed"; key: string; from: string };

export interface ExpectedKeyValue {
  key: string;
  value: Expected;
}

interface Inherited {
  pseudo: boolean;
  scrubKey: string | undefined;
}

export function expectAttributes(rules: MaskingRules, attributes: readonly KeyValue[]): ExpectedKeyValue[] {
  return expectMap(rules, attributes, { pseudo: false, scrubKey: undefined });
}

function expectMap(rules: MaskingRules, attributes: readonly KeyValue[], inherited: Inherited): ExpectedKeyValue[] {
  return attributes
    .filter((a) => !rules.remove.has(a.key))
    .map((a) => ({ key: a.key, value: expectValue(rules, a.key, a.value, inherited) }));
}

function expectValue(rules: MaskingRules, key: string, value: AnyValue, inherited: Inherited): Expected {
  const inh: Inherited = {
    pseudo: inherited.pseudo || rules.pseudonymize.has(key),
    scrubKey: inherited.scrubKey ?? (rules.scrub.has(key) ? key : undefined),
  };
  if (value.type === "kvlist") return { type: "kvlist", values: expectMap(rules, value.values, inh) };
  if (value.type === "array")
    return { type: "array", values: value.values.map((v) => expectValue(rules, key, v, inh)) };
  if (value.type === "empty") return { type: "exact", value };
  // A value that already is a pseudonym stays as it is, so a span masked twice keeps one pseudonym.
  const already = value.type === "string" && PSEUDONYM.test(value.value);
  const scalar: AnyValue =
    inh.pseudo && !already ? { type: "string", value: pseudonym(rules.hmacKey, scalarAsString(value)!) } : value;
  if (scalar.type !== "string") return { type: "exact", value: scalar };
  if (inh.scrubKey !== undefined) return { type: "scrubbed", key: inh.scrubKey, from: scalar.value };
  return {
    type: "exact",
    value: { type: "string", value: redact(rules, scalar.value) },
    ...(inh.pseudo ? { pseudonymized: true } : {}),
  };
}

/** A difference between what arrived and what masking should have made of what was sent. */
export interface Mismatch {
  path: string;
  problem: "missing" | "unexpected" | "changed";
  /** Rendered only when reported: most mismatches of a badly broken run are counted, not shown. */
  expected?: () => string;
  actual?: () => string;
}

/** Compares attribute maps by key (order is not meaningful); removed keys that arrived are left to the leak check. */
export function compareAttributes(
  rules: MaskingRules,
  expected: readonly ExpectedKeyValue[],
  actual: readonly KeyValue[],
  path: string,
): Mismatch[] {
  const out: Mismatch[] = [];
  const byKey = new Map(actual.map((a) => [a.key, a.value]));
  for (const e of expected) {
    const at = `${path}[${JSON.stringify(e.key)}]`;
    const got = byKey.get(e.key);
    if (got === undefined) out.push({ path: at, problem: "missing", expected: () => show(e.value) });
    else out.push(...compareValue(rules, e.value, got, at));
  }
  const expectedKeys = new Set(expected.map((e) => e.key));
  for (const a of actual)
    if (!expectedKeys.has(a.key) && !rules.remove.has(a.key))
      out.push({
        path: `${path}[${JSON.stringify(a.key)}]`,
        problem: "unexpected",
        actual: () => showValue(rules, a.value),
      });
  return out;
}

function compareValue(rules: MaskingRules, expected: Expected, actual: AnyValue, path: string): Mismatch[] {
  // Whatever arrived under a pseudonymized key may be the raw personal value: never print it.
  const hidden = expected.type === "exact" && expected.pseudonymized;
  const changed = (): Mismatch[] => [
    {
      path,
      problem: "changed",
      expected: () => show(expected),
      actual: () => (hidden ? `a value that is not its pseudonym (${showShape(actual)})` : showValue(rules, actual)),
    },
  ];
  switch (expected.type) {
    case "kvlist":
      return actual.type === "kvlist" ? compareAttributes(rules, expected.values, actual.values, path) : changed();
    case "array":
      if (actual.type !== "array" || actual.values.length !== expected.values.length) return changed();
      return expected.values.flatMap((e, i) => compareValue(rules, e, actual.values[i]!, `${path}[${i}]`));
    case "scrubbed":
      return actual.type === "string" && matchesScrubbed(actual.value, expected.from) ? [] : changed();
    case "exact":
      return sameValue(expected.value, actual) ? [] : changed();
  }
}

export function sameValue(a: AnyValue, b: AnyValue): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case "string":
    case "bool":
    case "int":
      return a.value === (b as typeof a).value;
    case "double":
      return Object.is(a.value, (b as typeof a).value) || a.value === (b as typeof a).value;
    case "bytes":
      return Buffer.from(a.value).equals(Buffer.from((b as typeof a).value));
    case "array": {
      const other = (b as typeof a).values;
      return a.values.length === other.length && a.values.every((v, i) => sameValue(v, other[i]!));
    }
    case "kvlist": {
      const other = new Map((b as typeof a).values.map((kv) => [kv.key, kv.value]));
      return (
        a.values.length === other.size &&
        a.values.every((kv) => other.has(kv.key) && sameValue(kv.value, other.get(kv.key)!))
      );
    }
    case "empty":
      return true;
  }
}

/**
 * Whether `masked` can be `original` with parts replaced: each "?" (a scrubbed literal, or a
 * "?" that was there) and each "[REDACTED:<rule>]" stands for one or more characters,
 * everything else must be equal. Lenient on purpose about which parts were replaced; the
 * leak check is strict about what must not remain.
 */
export function matchesScrubbed(masked: string, original: string): boolean {
  if (masked.length > 20_000 || original.length > 20_000) return masked === original;
  const tokens = masked.split(/(\?|\[REDACTED:[^\]]*\])/).filter((t) => t !== "");
  // reach[j]: the tokens so far can produce the first j characters of `original`.
  let reach = new Uint8Array(original.length + 1);
  reach[0] = 1;
  for (const token of tokens) {
    const next = new Uint8Array(original.length + 1);
    if (token === "?" || token.startsWith("[REDACTED:")) {
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

function show(e: Expected): string {
  switch (e.type) {
    case "exact":
      return showPlain(e.value);
    case "array":
      return `[${e.values.map(show).join(", ")}]`;
    case "kvlist":
      return `{${e.values.map((kv) => `${kv.key}: ${show(kv.value)}`).join(", ")}}`;
    case "scrubbed":
      return `${clip(e.from)} with its literals scrubbed`;
  }
}

/** Arrived values may hold leaked data: reports show them with every redaction rule applied. */
export function showValue(rules: MaskingRules, value: AnyValue): string {
  return redact(rules, showPlain(value));
}

function showPlain(v: AnyValue): string {
  switch (v.type) {
    case "string":
      return JSON.stringify(clip(v.value));
    case "int":
      return `${v.value}`;
    case "array":
      return `[${v.values.map(showPlain).join(", ")}]`;
    case "kvlist":
      return `{${v.values.map((kv) => `${kv.key}: ${showPlain(kv.value)}`).join(", ")}}`;
    case "empty":
      return "(empty)";
    default:
      return scalarAsString(v) ?? "";
  }
}

function showShape(v: AnyValue): string {
  const text = scalarAsString(v);
  return text === undefined ? v.type : `${v.type} of ${text.length} characters`;
}

const clip = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}...` : s);
