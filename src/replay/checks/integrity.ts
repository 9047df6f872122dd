import RE2 from "re2";
import { scalarAsString, type AnyValue, type KeyValue, type Span } from "../../otlp/model.js";
import { SAMPLER_ANNOTATIONS } from "../../collector/run-args.js";
import { canonicalKey } from "../../masking/keys.js";
import { canonicalKeys, type MaskingContract } from "../../compile/masking-contract.js";
import type { SpanRecord } from "../schedule.js";
import type { FindingList, FindingLocation } from "./finding.js";
import { maskedFrom, PSEUDONYM, pseudonym } from "./masked-text.js";
import { serviceOf, spanKey, type ReceivedSpan } from "./received.js";

/*
 * Integrity: what arrived is what was sent, masked and nothing else, judged without a model
 * of how masking works. Spans arrive whole: ids, parent, times, kind, status code, flags, the
 * number of events and links, and each link's target, unchanged. Every string (names,
 * status messages, attribute values, scope name and version, schema URLs, trace state
 * values) arrives unchanged or as the sent string with parts replaced (see maskedFrom); a
 * number may arrive as such a string (numbers are matched as text); bytes stay bytes. An
 * attribute may be missing only where masking may drop it: a removed key, a key outside the
 * allow-list, a key that itself holds personal data. A pseudonymized key's values are exactly
 * the keyed HMAC of what was sent, with this run's key: a pseudonym sent by a client is
 * pseudonymized again like any value, so a forged one cannot pass.
 */

export interface IntegrityContext {
  contract: MaskingContract;
  hmacKey: string;
  /** Whether a text holds a planted or raw personal value (such keys may be dropped; such names are not shown). */
  holdsPersonal: (text: string) => boolean;
}

export function checkIntegrity(
  ctx: IntegrityContext,
  sent: ReadonlyMap<string, SpanRecord>,
  received: readonly ReceivedSpan[],
  out: FindingList,
): void {
  const judge = new Judge(ctx);
  const judgedOwners = new Set<string>();
  for (const r of received) {
    const name = ctx.holdsPersonal(r.span.name) ? "(name withheld: it holds personal data)" : r.span.name;
    const service = serviceOf(r.resource);
    const where: FindingLocation = {
      request: r.request,
      path: r.path,
      traceId: r.span.traceId,
      spanId: r.span.spanId,
      spanName: name,
      ...(service && !ctx.holdsPersonal(service) ? { service } : {}),
    };
    const original = sent.get(spanKey(r.span.traceId, r.span.spanId));
    if (!original) {
      out.add("integrity", "unknown-span", () => ({ message: "a span arrived that was never sent", where }));
      continue;
    }
    where.source = original.source;
    const problems = judge.span(original.span, r.span, r.path);
    // A resource or scope is shared by many spans; judge each (sent, received) pair once.
    const resourceKey = `${r.request}/${r.resourcePath}`;
    if (!judgedOwners.has(resourceKey)) {
      judgedOwners.add(resourceKey);
      judge.attributes(original.resource.attributes, r.resource.attributes, `${r.resourcePath}.attributes`, problems);
      judge.schemaUrl(original.resourceSchemaUrl, r.resourceSchemaUrl, `${r.resourcePath}.schemaUrl`, problems);
    }
    const scopeKey = `${r.request}/${r.scopePath}`;
    if (!judgedOwners.has(scopeKey)) {
      judgedOwners.add(scopeKey);
      judge.text(original.scope.name, r.scope.name, `${r.scopePath}.name`, "scope name", problems);
      judge.text(original.scope.version, r.scope.version, `${r.scopePath}.version`, "scope version", problems);
      judge.schemaUrl(original.scopeSchemaUrl, r.scopeSchemaUrl, `${r.scopePath}.schemaUrl`, problems);
      // The sampler annotates kept spans here (the policy that kept them, a decision taken from its
      // cache), in this run and in fixtures recorded behind another collector; the sampling checks
      // judge this run's, and masking concerns neither.
      judge.attributes(
        original.scope.attributes.filter(notSamplerAnnotation),
        r.scope.attributes.filter(notSamplerAnnotation),
        `${r.scopePath}.attributes`,
        problems,
      );
    }
    for (const p of problems)
      out.add("integrity", p.code, () => ({ message: p.message, where: { ...where, path: p.path } }));
  }
}

interface Problem {
  code: "altered" | "wrong-pseudonym";
  path: string;
  message: string;
}

const notSamplerAnnotation = (a: { key: string }): boolean => !a.key.startsWith(SAMPLER_ANNOTATIONS);

/** Keys that read like data rather than names: an address, a number, an escape, text outside ASCII. */
const DATA_LIKE_KEY = /[@%\s+]|\d{6}|[^\x20-\x7e]/;

/** A list that must arrive as sent: another length is the finding, else each element is judged against its twin. */
function inTwinPairs<T>(
  sent: readonly T[],
  got: readonly T[],
  field: string,
  path: string,
  altered: (field: string, message: string) => void,
  judge: (sent: T, got: T, at: string) => void,
): void {
  if (got.length !== sent.length) altered(field, `${got.length} ${field} arrived, ${sent.length} were sent`);
  else sent.forEach((item, i) => judge(item, got[i]!, `${path}.${field}[${i}]`));
}

class Judge {
  private readonly names: ReadonlySet<string>;
  private readonly removed: ReadonlySet<string>;
  private readonly pseudonymized: ReadonlySet<string>;
  private readonly allowed: ReadonlySet<string> | undefined;
  private readonly custom: RE2 | undefined;
  private readonly canonical = canonicalKeys();

  constructor(private readonly ctx: IntegrityContext) {
    const c = ctx.contract;
    this.names = new Set([...c.detectors, ...c.custom.map((r) => r.name)]);
    this.removed = new Set(c.remove.map(canonicalKey));
    this.pseudonymized = new Set(c.pseudonymize.map(canonicalKey));
    this.allowed = c.allow?.otherwise === "remove" ? new Set(c.allow.keys.map(canonicalKey)) : undefined;
    this.custom = c.custom.length ? new RE2(c.custom.map((r) => `(?:${r.pattern})`).join("|")) : undefined;
  }

  span(sent: Span, got: Span, path: string): Problem[] {
    const problems: Problem[] = [];
    const altered = (field: string, message: string) =>
      problems.push({ code: "altered", path: `${path}.${field}`, message });
    if (got.parentSpanId !== sent.parentSpanId)
      altered(
        "parentSpanId",
        `parent changed from ${sent.parentSpanId || "(root)"} to ${got.parentSpanId || "(root)"}`,
      );
    if (got.startTimeUnixNano !== sent.startTimeUnixNano || got.endTimeUnixNano !== sent.endTimeUnixNano)
      altered("startTimeUnixNano", "start or end time changed");
    if (got.kind !== sent.kind) altered("kind", `kind changed from ${sent.kind} to ${got.kind}`);
    if (got.status.code !== sent.status.code)
      altered("status.code", `status code changed from ${sent.status.code} to ${got.status.code}`);
    if (got.flags !== sent.flags) altered("flags", "flags changed");
    this.text(sent.name, got.name, `${path}.name`, "span name", problems);
    this.text(sent.status.message, got.status.message, `${path}.status.message`, "status message", problems);
    this.traceState(sent.traceState, got.traceState, `${path}.traceState`, problems);
    this.attributes(sent.attributes, got.attributes, `${path}.attributes`, problems);
    inTwinPairs(sent.events, got.events, "events", path, altered, (e, g, at) => {
      if (g.timeUnixNano !== e.timeUnixNano)
        problems.push({ code: "altered", path: at, message: "event time changed" });
      this.text(e.name, g.name, `${at}.name`, "event name", problems);
      this.attributes(e.attributes, g.attributes, `${at}.attributes`, problems);
    });
    inTwinPairs(sent.links, got.links, "links", path, altered, (l, g, at) => {
      if (g.traceId !== l.traceId || g.spanId !== l.spanId || g.flags !== l.flags)
        problems.push({ code: "altered", path: at, message: "link target changed" });
      this.traceState(l.traceState, g.traceState, `${at}.traceState`, problems);
      this.attributes(l.attributes, g.attributes, `${at}.attributes`, problems);
    });
    return problems;
  }

  text(sent: string, got: string, path: string, what: string, problems: Problem[]): void {
    if (!maskedFrom(got, sent, this.names))
      problems.push({
        code: "altered",
        path,
        message: `${what} changed beyond masking (sent ${chars(sent)}, arrived ${chars(got)})`,
      });
  }

  /**
   * The tail sampler regroups the spans it keeps under copies of their resource and scope,
   * without the schema URLs (upstream, tailsamplingprocessor v0.161.0): one may arrive empty.
   */
  schemaUrl(sent: string, got: string, path: string, problems: Problem[]): void {
    if (got !== "") this.text(sent, got, path, "schema URL", problems);
  }

  /** Members keep their keys and order; a value may be masked, a member may be dropped when its masked value is not valid there. */
  private traceState(sent: string, got: string, path: string, problems: Problem[]): void {
    if (sent === got) return;
    const members = (s: string) =>
      s
        .split(",")
        .map((m) => m.trim())
        .filter(Boolean)
        .map((m) => ({ key: m.slice(0, Math.max(0, m.indexOf("="))), value: m.slice(m.indexOf("=") + 1) }));
    const was = members(sent);
    let i = 0;
    for (const m of members(got)) {
      while (i < was.length && was[i]!.key !== m.key) i++;
      if (i >= was.length || !maskedFrom(m.value, was[i]!.value, this.names)) {
        problems.push({ code: "altered", path, message: "trace state changed beyond masking" });
        return;
      }
      i++;
    }
  }

  attributes(
    sent: readonly KeyValue[],
    got: readonly KeyValue[],
    path: string,
    problems: Problem[],
    pseudo = false,
  ): void {
    const arrived = new Map<string, { value: AnyValue; index: number }>();
    got.forEach((a, index) => arrived.has(a.key) || arrived.set(a.key, { value: a.value, index }));
    const sentKeys = new Set<string>();
    sent.forEach((a, i) => {
      sentKeys.add(a.key);
      const g = arrived.get(a.key);
      if (!g) {
        if (!this.mayDrop(a.key))
          problems.push({
            code: "altered",
            path: `${path}[${i}]`,
            message: "an attribute was lost that masking keeps",
          });
        return;
      }
      const under = pseudo || this.pseudonymized.has(this.canonical(a.key));
      this.value(a.value, g.value, `${path}[${g.index}].value`, under, problems);
    });
    got.forEach((a, index) => {
      if (!sentKeys.has(a.key))
        problems.push({
          code: "altered",
          path: `${path}[${index}]`,
          message: "an attribute arrived that was never sent",
        });
    });
  }

  private mayDrop(key: string): boolean {
    const k = this.canonical(key);
    return (
      this.removed.has(k) ||
      (this.allowed !== undefined && !this.allowed.has(k)) ||
      DATA_LIKE_KEY.test(key) ||
      this.custom?.test(key) === true ||
      this.ctx.holdsPersonal(key)
    );
  }

  private value(sent: AnyValue, got: AnyValue, path: string, pseudo: boolean, problems: Problem[]): void {
    const altered = (message: string): void => void problems.push({ code: "altered", path, message });
    if (sent.type === "kvlist") {
      if (got.type !== "kvlist") return altered(`a map arrived as ${got.type}`);
      return this.attributes(sent.values, got.values, `${path}.kvlistValue.values`, problems, pseudo);
    }
    if (sent.type === "array") {
      if (got.type !== "array" || got.values.length !== sent.values.length)
        return altered("an array arrived with other elements");
      return sent.values.forEach((v, i) =>
        this.value(v, got.values[i]!, `${path}.arrayValue.values[${i}]`, pseudo, problems),
      );
    }
    if (sent.type === "empty") {
      if (got.type !== "empty") altered("an empty value arrived filled");
      return;
    }
    const expected = pseudonym(this.ctx.hmacKey, scalarAsString(sent)!);
    if (pseudo) {
      // Not a pseudonym at all is a leak, judged where leaks are; a pseudonym of anything else is wrong here.
      if (got.type === "string" && PSEUDONYM.test(got.value) && got.value !== expected)
        problems.push({
          code: "wrong-pseudonym",
          path,
          message:
            "a pseudonymized value is not the keyed HMAC of the value sent (a pseudonym made with another key, or one the client sent, passed through)",
        });
      return;
    }
    if (got.type === "string" && got.value === expected) return; // allow-list mode pseudonymizes what it does not list
    if (sameScalar(sent, got)) return;
    if (got.type === "string") {
      const was =
        sent.type === "string"
          ? sent.value
          : sent.type === "int" || sent.type === "double"
            ? numberText(sent)
            : undefined;
      if (was !== undefined && maskedFrom(got.value, was, this.names)) return;
    }
    if (sent.type === "bytes" && got.type === "bytes") {
      const was = utf8(sent.value);
      const now = utf8(got.value);
      if (was !== undefined && now !== undefined && maskedFrom(now, was, this.names)) return;
    }
    altered(`value changed beyond masking (sent ${shape(sent)}, arrived ${shape(got)})`);
  }
}

function sameScalar(a: AnyValue, b: AnyValue): boolean {
  if (a.type !== b.type) return false;
  if (a.type === "bytes") return Buffer.from(a.value).equals(Buffer.from((b as typeof a).value));
  if (a.type === "double") return Object.is(a.value, (b as typeof a).value) || a.value === (b as typeof a).value;
  return (a as { value: unknown }).value === (b as { value: unknown }).value;
}

/** The decimal text masking reads a number as: integral doubles below 1e21 without exponent. */
function numberText(v: AnyValue & { type: "int" | "double" }): string {
  if (v.type === "int") return v.value.toString();
  return Number.isInteger(v.value) && Math.abs(v.value) < 1e21 ? BigInt(v.value).toString() : String(v.value);
}

function utf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

const chars = (s: string): string => `${[...s].length} characters`;

function shape(v: AnyValue): string {
  const text = scalarAsString(v);
  return text === undefined ? `a ${v.type}` : `a ${v.type} of ${text.length} characters`;
}
