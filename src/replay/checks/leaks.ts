import { scalarAsString, type AnyValue, type KeyValue, type TraceRequest } from "../../otlp/model.js";
import type { Sample } from "../prometheus.js";
import type { SpanRecord } from "../schedule.js";
import type { FindingList, FindingLocation } from "./finding.js";
import { unscrubbedLiteral } from "./literals.js";
import { matchingRules, PSEUDONYM, redact, type MaskingRules } from "./masking-oracle.js";
import { serviceOf } from "./received.js";

/*
 * Leaks: personal data that left the collector. Everything that reached the sink and every
 * label of the flow metrics is searched for removed keys, raw values of pseudonymized keys,
 * text matching a redaction rule, and literals left in scrubbed attributes. The raw values
 * are taken from what was sent, so any fixture (not only synthetic ones) can be checked.
 */

/** Raw values shorter than this are only matched whole: a short id would match inside unrelated text. */
const MIN_SUBSTRING = 6;

interface Candidate {
  value: string;
  key: string;
  /** Where the value's indexed gram sits inside it. */
  offset: number;
}

export interface RawValues {
  /** Whole values, by the key they were sent under. */
  exact: Map<string, string>;
  /**
   * Substring index: each value under its rarest gram of MIN_SUBSTRING characters. Values
   * share prefixes ("203.0.", "@example.com"), so indexing by a fixed position would make
   * every lookup walk thousands of candidates.
   */
  byGram: Map<string, Candidate[]>;
  /** Texts repeat across spans; each is searched once. */
  searched: Map<string, { value: string; key: string } | undefined>;
}

/** Every scalar sent under a removed or pseudonymized key, anywhere: the values that must not arrive. */
export function rawValues(rules: MaskingRules, sent: readonly SpanRecord[]): RawValues {
  const exact = new Map<string, string>();
  const visit = (attributes: readonly KeyValue[], inherited: string | undefined) => {
    for (const a of attributes) {
      const owner = inherited ?? (rules.remove.has(a.key) || rules.pseudonymize.has(a.key) ? a.key : undefined);
      collect(a.value, owner);
    }
  };
  const collect = (v: AnyValue, owner: string | undefined) => {
    if (v.type === "kvlist") visit(v.values, owner);
    else if (v.type === "array") for (const item of v.values) collect(item, owner);
    else if (owner !== undefined && v.type === "string" && v.value !== "" && !PSEUDONYM.test(v.value))
      exact.set(v.value, owner);
  };
  const seen = new Set<object>();
  for (const r of sent) {
    for (const owner of [r.resource, r.scope])
      if (!seen.has(owner)) {
        seen.add(owner);
        visit(owner.attributes, undefined);
      }
    visit(r.span.attributes, undefined);
    for (const e of r.span.events) visit(e.attributes, undefined);
    for (const l of r.span.links) visit(l.attributes, undefined);
  }
  const long = [...exact].filter(([value]) => value.length >= MIN_SUBSTRING);
  const frequency = new Map<string, number>();
  for (const [value] of long)
    for (const gram of new Set(grams(value))) frequency.set(gram, (frequency.get(gram) ?? 0) + 1);
  const byGram = new Map<string, Candidate[]>();
  for (const [value, key] of long) {
    const all = grams(value);
    let offset = 0;
    for (let i = 1; i < all.length; i++) if (frequency.get(all[i]!)! < frequency.get(all[offset]!)!) offset = i;
    const gram = all[offset]!;
    byGram.set(gram, [...(byGram.get(gram) ?? []), { value, key, offset }]);
  }
  return { exact, byGram, searched: new Map() };
}

function grams(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + MIN_SUBSTRING <= value.length; i++) out.push(value.slice(i, i + MIN_SUBSTRING));
  return out;
}

function findRaw(raw: RawValues, text: string): { value: string; key: string } | undefined {
  if (raw.searched.has(text)) return raw.searched.get(text);
  let hit: { value: string; key: string } | undefined;
  const whole = raw.exact.get(text);
  if (whole !== undefined) hit = { value: text, key: whole };
  else if (!PSEUDONYM.test(text))
    for (let i = 0; i + MIN_SUBSTRING <= text.length && !hit; i++)
      hit = raw.byGram.get(text.slice(i, i + MIN_SUBSTRING))?.find((c) => text.startsWith(c.value, i - c.offset));
  raw.searched.set(text, hit);
  return hit;
}

/** A span name as a location may show: masked, and withheld when it holds a raw value. */
export function safeName(rules: MaskingRules, raw: RawValues, name: string): string {
  return findRaw(raw, name) ? "(name withheld: it holds a raw personal value)" : redact(rules, name);
}

/** A leaked value is itself personal data: reports name its kind and length, never the value. */
const hide = (value: string): string => `${value.length} characters`;

export function checkLeaks(
  rules: MaskingRules,
  raw: RawValues,
  received: readonly TraceRequest[],
  metrics: readonly Sample[],
  out: FindingList,
): void {
  const leak = (code: string, message: string, where: FindingLocation) =>
    out.add("leaks", code, () => ({ message, where }));

  const text = (value: string, place: string, where: FindingLocation) => {
    for (const name of matchingRules(rules, value))
      leak("redact-pattern", `${place} holds text matching redact_values.${name}`, where);
    const hit = findRaw(raw, value);
    if (hit)
      leak("raw-value", `${place} holds the raw value of \`${hit.key}\` (${hide(hit.value)}) that was sent`, where);
  };

  const attributes = (
    list: readonly KeyValue[],
    path: string,
    where: FindingLocation,
    inherited: { pseudo?: string; scrub?: string },
  ) => {
    for (const a of list) {
      const at = `${path}[${JSON.stringify(a.key)}]`;
      const here = { ...where, path: at };
      if (rules.remove.has(a.key)) leak("removed-key", `removed key \`${a.key}\` arrived`, here);
      const inh = {
        pseudo: inherited.pseudo ?? (rules.pseudonymize.has(a.key) ? a.key : undefined),
        scrub: inherited.scrub ?? (rules.scrub.has(a.key) ? a.key : undefined),
      };
      value(a.value, a.key, at, here, inh);
    }
  };

  const value = (
    v: AnyValue,
    key: string,
    path: string,
    where: FindingLocation,
    inh: { pseudo?: string | undefined; scrub?: string | undefined },
  ) => {
    if (v.type === "kvlist")
      return attributes(v.values, path, where, {
        ...(inh.pseudo ? { pseudo: inh.pseudo } : {}),
        ...(inh.scrub ? { scrub: inh.scrub } : {}),
      });
    if (v.type === "array")
      return v.values.forEach((item, i) => value(item, key, `${path}[${i}]`, { ...where, path: `${path}[${i}]` }, inh));
    if (v.type === "empty") return;
    const asText = scalarAsString(v);
    if (inh.pseudo !== undefined && !(v.type === "string" && PSEUDONYM.test(v.value)))
      leak(
        "raw-pseudonymized",
        `\`${inh.pseudo}\` arrived without its pseudonym (a ${v.type} of ${asText?.length ?? 0} characters)`,
        where,
      );
    if (v.type !== "string") return;
    if (inh.scrub !== undefined) {
      const literal = unscrubbedLiteral(inh.scrub, v.value);
      if (literal !== undefined)
        leak("unscrubbed-literal", `\`${inh.scrub}\` still holds a literal (${hide(literal)})`, where);
    }
    text(v.value, `attribute \`${key}\``, where);
  };

  received.forEach((request, r) =>
    request.resourceSpans.forEach((rs, i) => {
      const service = serviceOf(rs.resource);
      const base: FindingLocation = { request: r, ...(service ? { service } : {}) };
      attributes(rs.resource.attributes, `resourceSpans[${i}].resource.attributes`, base, {});
      rs.scopeSpans.forEach((ss, j) => {
        const scopePath = `resourceSpans[${i}].scopeSpans[${j}]`;
        attributes(ss.scope.attributes, `${scopePath}.scope.attributes`, base, {});
        ss.spans.forEach((span, k) => {
          const p = `${scopePath}.spans[${k}]`;
          const where: FindingLocation = {
            ...base,
            traceId: span.traceId,
            spanId: span.spanId,
            spanName: safeName(rules, raw, span.name),
          };
          text(span.name, "span name", { ...where, path: `${p}.name` });
          if (span.status.message)
            text(span.status.message, "status message", { ...where, path: `${p}.status.message` });
          attributes(span.attributes, `${p}.attributes`, where, {});
          span.events.forEach((e, n) => {
            text(e.name, "event name", { ...where, path: `${p}.events[${n}].name` });
            attributes(e.attributes, `${p}.events[${n}].attributes`, where, {});
          });
          span.links.forEach((l, n) => attributes(l.attributes, `${p}.links[${n}].attributes`, where, {}));
        });
      });
    }),
  );

  const labelName = (key: string) => key.replace(/[^A-Za-z0-9_]/g, "_");
  const removedLabels = new Map([...rules.remove].map((k) => [labelName(k), k]));
  const pseudoLabels = new Map([...rules.pseudonymize].map((k) => [labelName(k), k]));
  // Every histogram bucket repeats its series' labels: judge each distinct label value once.
  const judged = new Set<string>();
  for (const s of metrics) {
    for (const [label, v] of Object.entries(s.labels)) {
      const pair = `${label}\u0000${v}`;
      if (judged.has(pair)) continue;
      judged.add(pair);
      const where: FindingLocation = {
        series: `${s.name}{${Object.keys(s.labels).join(",")}}`,
        path: `label ${label}`,
      };
      const removed = removedLabels.get(label) ?? (rules.remove.has(label) ? label : undefined);
      if (removed) leak("removed-key", `removed key \`${removed}\` is a metric label`, where);
      const pseudo = pseudoLabels.get(label) ?? (rules.pseudonymize.has(label) ? label : undefined);
      if (pseudo && !PSEUDONYM.test(v))
        leak("raw-pseudonymized", `metric label \`${label}\` holds \`${pseudo}\` without its pseudonym`, where);
      text(v, `metric label \`${label}\``, where);
    }
  }
}
