import { SPAN_KIND_NAMES, STATUS_CODE_NAMES, type Resource, type Scope, type Span } from "../../otlp/model.js";
import type { SpanRecord } from "../schedule.js";
import type { FindingList, FindingLocation } from "./finding.js";
import { compareAttributes, expectAttributes, redact, type MaskingRules, type Mismatch } from "./masking-oracle.js";
import { safeName, type RawValues } from "./leaks.js";
import { serviceOf, spanKey, type ReceivedSpan } from "./received.js";
import { SAMPLER_ANNOTATIONS } from "../../collector/run-args.js";

/*
 * Integrity: what arrived is what was sent, masked and nothing else. Ids, parent links,
 * timestamps, status codes, kinds and links arrive unchanged; names, status messages and
 * attributes arrive exactly as the masking rules make them (error details keep everything
 * but their sensitive parts); nothing arrives that was never sent.
 */

export function checkIntegrity(
  rules: MaskingRules,
  raw: RawValues,
  sent: ReadonlyMap<string, SpanRecord>,
  received: readonly ReceivedSpan[],
  out: FindingList,
): void {
  const expectedCache = new WeakMap<object, ReturnType<typeof expectAttributes>>();
  const expectedOf = (owner: Resource | Scope) => {
    let e = expectedCache.get(owner);
    if (!e) {
      e = expectAttributes(rules, owner.attributes);
      expectedCache.set(owner, e);
    }
    return e;
  };
  const checkedOwners = new Set<string>();
  for (const r of received) {
    const where: FindingLocation = {
      request: r.request,
      path: r.path,
      traceId: r.span.traceId,
      spanId: r.span.spanId,
      spanName: safeName(rules, raw, r.span.name),
      ...(serviceOf(r.resource) ? { service: serviceOf(r.resource)! } : {}),
    };
    const original = sent.get(spanKey(r.span.traceId, r.span.spanId));
    if (!original) {
      out.add("integrity", "unknown-span", () => ({ message: "a span arrived that was never sent", where }));
      continue;
    }
    where.source = original.source;
    const problem = (code: string, message: string | (() => string), path = r.path) =>
      out.add("integrity", code, () => ({
        message: typeof message === "string" ? message : message(),
        where: { ...where, path },
      }));
    for (const d of spanDifferences(original.span, r.span)) problem(d.code, d.message, `${r.path}.${d.field}`);

    const name = redact(rules, original.span.name);
    if (r.span.name !== name)
      problem("span-name", `span name changed beyond masking: expected ${JSON.stringify(name)}`, `${r.path}.name`);
    const message = redact(rules, original.span.status.message);
    if (r.span.status.message !== message)
      problem(
        "error-details",
        `status message changed beyond masking: expected ${JSON.stringify(message)}, arrived ${JSON.stringify(redact(rules, r.span.status.message))}`,
        `${r.path}.status.message`,
      );

    const report = (code: string, mismatches: Mismatch[]) => {
      for (const m of mismatches) problem(code, () => describeMismatch(m), m.path);
    };
    report(
      attributeCode(original.span),
      compareAttributes(
        rules,
        expectAttributes(rules, original.span.attributes),
        r.span.attributes,
        `${r.path}.attributes`,
      ),
    );

    if (r.span.events.length !== original.span.events.length)
      problem(
        "events",
        `${r.span.events.length} events arrived, ${original.span.events.length} were sent`,
        `${r.path}.events`,
      );
    else
      original.span.events.forEach((e, i) => {
        const got = r.span.events[i]!;
        const at = `${r.path}.events[${i}]`;
        if (got.timeUnixNano !== e.timeUnixNano) problem("timestamps", "event time changed", `${at}.timeUnixNano`);
        const eventName = redact(rules, e.name);
        if (got.name !== eventName)
          problem(
            "event-name",
            `event name changed beyond masking: expected ${JSON.stringify(eventName)}`,
            `${at}.name`,
          );
        report(
          e.name === "exception" ? "error-details" : "event-attributes",
          compareAttributes(rules, expectAttributes(rules, e.attributes), got.attributes, `${at}.attributes`),
        );
      });

    if (r.span.links.length !== original.span.links.length)
      problem(
        "links",
        `${r.span.links.length} links arrived, ${original.span.links.length} were sent`,
        `${r.path}.links`,
      );
    else
      original.span.links.forEach((l, i) => {
        const got = r.span.links[i]!;
        const at = `${r.path}.links[${i}]`;
        if (got.traceId !== l.traceId || got.spanId !== l.spanId || got.traceState !== l.traceState)
          problem("links", "link target changed", at);
        report(
          "link-attributes",
          compareAttributes(rules, expectAttributes(rules, l.attributes), got.attributes, `${at}.attributes`),
        );
      });

    // A resource or scope is shared by many spans; judge each (sent, received) pair once.
    const resourceKey = `${r.request}/${r.resourcePath}`;
    if (!checkedOwners.has(resourceKey)) {
      checkedOwners.add(resourceKey);
      report(
        "resource-attributes",
        compareAttributes(rules, expectedOf(original.resource), r.resource.attributes, `${r.resourcePath}.attributes`),
      );
    }
    const scopeKey = `${r.request}/${r.scopePath}`;
    if (!checkedOwners.has(scopeKey)) {
      checkedOwners.add(scopeKey);
      if (r.scope.name !== original.scope.name || r.scope.version !== original.scope.version)
        problem("scope", `scope changed: sent ${original.scope.name}@${original.scope.version}`, r.scopePath);
      report(
        "scope-attributes",
        compareAttributes(
          rules,
          // The sampler annotates kept spans here (the policy that kept them, a decision taken from its
          // cache), in this run and in fixtures recorded behind another collector; the sampling checks
          // judge this run's, and masking concerns neither.
          expectedOf(original.scope).filter(notSamplerAnnotation),
          r.scope.attributes.filter(notSamplerAnnotation),
          `${r.scopePath}.attributes`,
        ),
      );
    }
  }
}

const notSamplerAnnotation = (a: { key: string }): boolean => !a.key.startsWith(SAMPLER_ANNOTATIONS);

function attributeCode(span: Span): string {
  return span.status.code === 2 ? "error-details" : "span-attributes";
}

function describeMismatch(m: Mismatch): string {
  switch (m.problem) {
    case "missing":
      return `attribute was lost (expected ${m.expected?.()})`;
    case "unexpected":
      return `attribute arrived that was never sent (${m.actual?.()})`;
    case "changed":
      return `attribute changed beyond masking: expected ${m.expected?.()}, arrived ${m.actual?.()}`;
  }
}

export function spanDifferences(sent: Span, got: Span): Array<{ code: string; field: string; message: string }> {
  const out: Array<{ code: string; field: string; message: string }> = [];
  if (got.parentSpanId !== sent.parentSpanId)
    out.push({
      code: "parent-link",
      field: "parentSpanId",
      message: `parent changed from ${sent.parentSpanId || "(root)"} to ${got.parentSpanId || "(root)"}`,
    });
  if (got.startTimeUnixNano !== sent.startTimeUnixNano || got.endTimeUnixNano !== sent.endTimeUnixNano)
    out.push({ code: "timestamps", field: "startTimeUnixNano", message: "start or end time changed" });
  if (got.status.code !== sent.status.code)
    out.push({
      code: "status-code",
      field: "status.code",
      message: `status changed from ${STATUS_CODE_NAMES[sent.status.code]} to ${STATUS_CODE_NAMES[got.status.code] ?? got.status.code}`,
    });
  if (got.kind !== sent.kind)
    out.push({
      code: "span-kind",
      field: "kind",
      message: `kind changed from ${SPAN_KIND_NAMES[sent.kind]} to ${SPAN_KIND_NAMES[got.kind] ?? got.kind}`,
    });
  if (got.traceState !== sent.traceState)
    out.push({ code: "trace-state", field: "traceState", message: "trace state changed" });
  return out;
}
