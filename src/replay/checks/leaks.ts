import RE2 from "re2";
import type { PlantedValue } from "../../traffic/planted.js";
import { scalarAsString, type AnyValue, type KeyValue, type TraceRequest } from "../../otlp/model.js";
import { otlpPlaceAt } from "../../otlp/wire-path.js";
import { walkWire } from "../../otlp/wire-walk.js";
import { canonicalKey } from "../../masking/keys.js";
import type { ScrubKind } from "../../masking/scrub-kinds.js";
import { canonicalKeys, type MaskingContract } from "../../compile/masking-contract.js";
import type { Sample } from "../prometheus.js";
import type { SpanRecord } from "../schedule.js";
import type { FindingList, FindingLocation } from "./finding.js";
import { unscrubbedLiteral } from "./literals.js";
import { PSEUDONYM } from "./masked-text.js";
import { MIN_WHOLE } from "./planted-oracle.js";
import { serviceOf } from "./received.js";

/*
 * Leaks judged by the description's own rules, on top of the planted-value oracle: a removed
 * key that arrived (as an attribute key anywhere, or a metric label), a pseudonymized key
 * whose value is not a pseudonym, a literal left under a scrubbed key, and text matching a
 * custom redact_values pattern in any text of the output. Keys are compared the way the
 * contract compares them (case and separators ignored). Findings never quote a value.
 */

/** Every value sent under a removed or pseudonymized key: the oracle searches for these too, planted or not. */
export function sentCandidates(contract: MaskingContract, sent: readonly SpanRecord[]): PlantedValue[] {
  const owners = new Map([
    ...contract.remove.map((k) => [canonicalKey(k), `remove ${k}`] as const),
    ...contract.pseudonymize.map((k) => [canonicalKey(k), `pseudonymize ${k}`] as const),
  ]);
  const canonicalOf = canonicalKeys();
  const candidates = new Map<string, PlantedValue>();
  // A value that was also sent under an ordinary key may arrive there: that is no leak.
  const ordinary = new Set<string>();
  const visit = (attributes: readonly KeyValue[], place: string, owner: string | undefined) => {
    for (const a of attributes) collect(a.value, place, owner ?? owners.get(canonicalOf(a.key)), a.key);
  };
  const collect = (v: AnyValue, place: string, rule: string | undefined, key: string) => {
    if (v.type === "kvlist") return visit(v.values, place, rule);
    if (v.type === "array") return v.values.forEach((item) => collect(item, place, rule, key));
    const text =
      v.type === "string" ? v.value : v.type === "int" || v.type === "double" ? scalarAsString(v) : undefined;
    if (text === undefined || text.length < MIN_WHOLE) return;
    if (rule === undefined) ordinary.add(text);
    else if (!candidates.has(text))
      candidates.set(text, { value: text, kind: `value sent under \`${key}\``, place, rules: [rule] });
  };
  const seen = new Set<object>();
  for (const r of sent) {
    if (!seen.has(r.resource)) {
      seen.add(r.resource);
      visit(r.resource.attributes, "resource attributes", undefined);
    }
    if (!seen.has(r.scope)) {
      seen.add(r.scope);
      visit(r.scope.attributes, "scope attributes", undefined);
    }
    visit(r.span.attributes, "span attributes", undefined);
    for (const e of r.span.events) visit(e.attributes, "event attributes", undefined);
    for (const l of r.span.links) visit(l.attributes, "link attributes", undefined);
  }
  return [...candidates.values()].filter((c) => !ordinary.has(c.value));
}

export function checkKeyRules(
  contract: MaskingContract,
  received: readonly TraceRequest[],
  metrics: readonly Sample[],
  out: FindingList,
  holdsPersonal: (text: string) => boolean,
): void {
  const removed = new Map(contract.remove.map((k) => [canonicalKey(k), k]));
  const pseudonymized = new Map(contract.pseudonymize.map((k) => [canonicalKey(k), k]));
  const scrubbed = new Map(contract.scrub.map((s) => [canonicalKey(s.key), s]));
  const leak = (code: string, message: string, where: FindingLocation) =>
    out.add("leaks", code, () => ({ message, where }));
  const canonicalOf = canonicalKeys();

  const attributes = (
    list: readonly KeyValue[],
    path: string,
    where: FindingLocation,
    inherited: { pseudo?: string; scrub?: { key: string; kind: ScrubKind } },
  ) =>
    list.forEach((a, i) => {
      const at = `${path}[${i}]`;
      const here = { ...where, path: at };
      const key = canonicalOf(a.key);
      const rule = removed.get(key);
      if (rule !== undefined) leak("removed-key", `removed key \`${rule}\` arrived`, here);
      const pseudo = inherited.pseudo ?? pseudonymized.get(key);
      const scrub = inherited.scrub ?? scrubbed.get(key);
      value(a.value, `${at}.value`, here, { ...(pseudo ? { pseudo } : {}), ...(scrub ? { scrub } : {}) });
    });

  const value = (
    v: AnyValue,
    path: string,
    where: FindingLocation,
    inh: { pseudo?: string; scrub?: { key: string; kind: ScrubKind } },
  ) => {
    if (v.type === "kvlist") return attributes(v.values, `${path}.kvlistValue.values`, where, inh);
    if (v.type === "array")
      return v.values.forEach((item, i) =>
        value(item, `${path}.arrayValue.values[${i}]`, { ...where, path: `${path}.arrayValue.values[${i}]` }, inh),
      );
    if (v.type === "empty") return;
    if (inh.pseudo !== undefined && !(v.type === "string" && PSEUDONYM.test(v.value)))
      leak(
        "raw-pseudonymized",
        `\`${inh.pseudo}\` arrived without its pseudonym (a ${v.type} of ${scalarAsString(v)?.length ?? 0} characters)`,
        where,
      );
    if (v.type === "string" && inh.scrub !== undefined) {
      const literal = unscrubbedLiteral(inh.scrub.kind, v.value);
      if (literal !== undefined)
        leak("unscrubbed-literal", `\`${inh.scrub.key}\` still holds a literal (${literal.length} characters)`, where);
    }
  };

  received.forEach((request, r) =>
    request.resourceSpans.forEach((rs, i) => {
      const service = serviceOf(rs.resource);
      // A location names the service unless its name is itself personal data.
      const base: FindingLocation = { request: r, ...(service && !holdsPersonal(service) ? { service } : {}) };
      attributes(rs.resource.attributes, `resourceSpans[${i}].resource.attributes`, base, {});
      rs.scopeSpans.forEach((ss, j) => {
        const scopePath = `resourceSpans[${i}].scopeSpans[${j}]`;
        attributes(ss.scope.attributes, `${scopePath}.scope.attributes`, base, {});
        ss.spans.forEach((span, k) => {
          const p = `${scopePath}.spans[${k}]`;
          const where: FindingLocation = { ...base, traceId: span.traceId, spanId: span.spanId };
          attributes(span.attributes, `${p}.attributes`, where, {});
          span.events.forEach((e, n) => attributes(e.attributes, `${p}.events[${n}].attributes`, where, {}));
          span.links.forEach((l, n) => attributes(l.attributes, `${p}.links[${n}].attributes`, where, {}));
        });
      });
    }),
  );

  // Every histogram bucket repeats its series' labels: judge each distinct label once.
  const judged = new Set<string>();
  for (const s of metrics)
    for (const [label, v] of Object.entries(s.labels)) {
      const pair = `${label}\u0000${v}`;
      if (judged.has(pair)) continue;
      judged.add(pair);
      const where: FindingLocation = { series: s.name };
      const key = canonicalKey(label);
      const rule = removed.get(key);
      if (rule !== undefined) leak("removed-key", `removed key \`${rule}\` is a metric label`, where);
      const pseudo = pseudonymized.get(key);
      if (pseudo !== undefined && !PSEUDONYM.test(v))
        leak("raw-pseudonymized", `metric label for \`${pseudo}\` holds it without its pseudonym`, where);
    }
}

/**
 * Text matching a custom redact_values pattern, in any text of the output: every payload of
 * the requests that reads as text (found by the schema-free wire walk, so no field is left
 * out), every metric name and label.
 */
export function checkPatterns(
  contract: MaskingContract,
  bodies: ReadonlyArray<{ body: Uint8Array; encoding: "protobuf" | "json" }>,
  metrics: readonly Sample[],
  out: FindingList,
): void {
  if (contract.custom.length === 0) return;
  const rules = contract.custom.map((r) => ({ name: r.name, re: new RE2(r.pattern) }));
  const any = new RE2(contract.custom.map((r) => `(?:${r.pattern})`).join("|"));
  const cache = new Map<string, string[]>();
  const matching = (text: string): string[] => {
    let names = cache.get(text);
    if (!names) {
      names = any.test(text) ? rules.filter((r) => r.re.test(text)).map((r) => r.name) : [];
      cache.set(text, names);
    }
    return names;
  };
  const found = (names: readonly string[], where: FindingLocation, what: string) => {
    for (const name of names)
      out.add("leaks", "redact-pattern", () => ({
        message: `${what} holds text matching redact_values.${name}`,
        where,
      }));
  };
  bodies.forEach(({ body, encoding }, n) => {
    if (encoding !== "protobuf") {
      found(matching(Buffer.from(body).toString("utf8")), { request: n }, "a request to the trace store");
      return;
    }
    walkWire(body, {
      number: () => undefined,
      text: ({ start, end }) => {
        const names = matching(Buffer.from(body.subarray(start, end)).toString("utf8"));
        if (names.length === 0) return;
        const place = otlpPlaceAt(body, start);
        found(
          names,
          { request: n, offset: start, ...(place ? { path: place.path } : {}) },
          "a request to the trace store",
        );
      },
    });
  });
  const judged = new Set<string>();
  for (const s of metrics)
    for (const text of [s.name, ...Object.keys(s.labels), ...Object.values(s.labels)]) {
      if (judged.has(text)) continue;
      judged.add(text);
      found(
        matching(text),
        { series: matching(s.name).length ? "(a metric whose name holds it)" : s.name },
        "a metric",
      );
    }
}
