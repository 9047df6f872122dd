import { canonicalKey } from "../masking/keys.js";

/*
 * What a reader is shown of Jaeger's answers, for both shapes Jaeger serves: the UI's JSON API
 * (/api/traces: tags, process tags, log fields) and the v3 API (/api/v3/traces: OTLP JSON with
 * resource, scope, span, event and link attributes). Keys compare as the masking rules do: regardless
 * of case and of `.`, `_` and `-`.
 */

/** Decides per attribute key whether it stays. */
export type KeepAttribute = (key: string) => boolean;

export const removing = (keys: readonly string[]): KeepAttribute => {
  const removed = new Set(keys.map(canonicalKey));
  return (key) => !removed.has(canonicalKey(key));
};

export const allowingOnly = (keys: readonly string[]): KeepAttribute => {
  const allowed = new Set(keys.map(canonicalKey));
  return (key) => allowed.has(canonicalKey(key));
};

type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** JSON from outside, or undefined when it is not JSON. */
export function parseJson(text: string | Buffer): unknown {
  try {
    return JSON.parse(typeof text === "string" ? text : text.toString("utf8"));
  } catch {
    return undefined;
  }
}

function filterKeyed(value: unknown, keep: KeepAttribute): unknown {
  if (!Array.isArray(value)) return value;
  return value.filter((entry) => isObject(entry) && typeof entry["key"] === "string" && keep(entry["key"]));
}

/** A trace of the UI's JSON API with only the kept tags, process tags and log fields. */
export function filterJaegerTrace(trace: Json, keep: KeepAttribute): Json {
  const spans = list(trace["spans"]).map((span) => {
    if (!isObject(span)) return span;
    return {
      ...span,
      tags: filterKeyed(span["tags"], keep),
      logs: list(span["logs"]).map((log) =>
        isObject(log) ? { ...log, fields: filterKeyed(log["fields"], keep) } : log,
      ),
    };
  });
  const processes = isObject(trace["processes"])
    ? Object.fromEntries(
        Object.entries(trace["processes"]).map(([id, process]) => [
          id,
          isObject(process) ? { ...process, tags: filterKeyed(process["tags"], keep) } : process,
        ]),
      )
    : trace["processes"];
  return { ...trace, spans, processes };
}

const keyedValue = (entries: unknown, key: string): unknown[] =>
  list(entries)
    .filter((e): e is Json => isObject(e) && e["key"] === key)
    .map((e) => e["value"]);

/** Whether a trace of the UI's JSON API has a span (or a span's process) carrying attribute = value. */
export function jaegerTraceCarries(trace: Json, attribute: string, value: string): boolean {
  const processes = isObject(trace["processes"]) ? trace["processes"] : {};
  return list(trace["spans"]).some((span) => {
    if (!isObject(span)) return false;
    const process = processes[String(span["processID"])];
    const values = [
      ...keyedValue(span["tags"], attribute),
      ...keyedValue(isObject(process) ? process["tags"] : [], attribute),
    ];
    return values.includes(value);
  });
}

/** OTLP JSON AnyValue holding exactly this string. */
const isString = (anyValue: unknown, value: string): boolean => isObject(anyValue) && anyValue["stringValue"] === value;

function filterOtlpAttributes<T>(holder: T, keep: KeepAttribute): T {
  if (!isObject(holder) || !("attributes" in holder)) return holder;
  return { ...holder, attributes: filterKeyed(holder["attributes"], keep) };
}

/**
 * Keeps the spans `keepSpan` accepts (by trace id and the resource they came from) and, of what is
 * left, the attributes `keep` accepts; empty scope and resource groups go.
 */
export function filterOtlpTraces(
  data: Json,
  keep: KeepAttribute,
  keepSpan: (span: Json) => boolean = () => true,
): Json {
  const resourceSpans = list(data["resourceSpans"]).flatMap((rs) => {
    if (!isObject(rs)) return [];
    const scopeSpans = list(rs["scopeSpans"]).flatMap((ss) => {
      if (!isObject(ss)) return [];
      const spans = list(ss["spans"])
        .filter((span): span is Json => isObject(span) && keepSpan(span))
        .map((span) => ({
          ...filterOtlpAttributes(span, keep),
          events: list(span["events"]).map((event) => filterOtlpAttributes(event, keep)),
          links: list(span["links"]).map((link) => filterOtlpAttributes(link, keep)),
        }));
      return spans.length > 0 ? [{ ...ss, scope: filterOtlpAttributes(ss["scope"], keep), spans }] : [];
    });
    return scopeSpans.length > 0 ? [{ ...rs, resource: filterOtlpAttributes(rs["resource"], keep), scopeSpans }] : [];
  });
  return { ...data, resourceSpans };
}

/** Trace ids of OTLP JSON traces with a span (or its resource) carrying attribute = value. */
export function otlpTraceIdsCarrying(data: Json, attribute: string, value: string): Set<string> {
  const ids = new Set<string>();
  for (const rs of list(data["resourceSpans"])) {
    if (!isObject(rs)) continue;
    const resource = isObject(rs["resource"]) ? rs["resource"] : {};
    const resourceCarries = keyedValue(resource["attributes"], attribute).some((v) => isString(v, value));
    for (const ss of list(rs["scopeSpans"])) {
      for (const span of list(isObject(ss) ? ss["spans"] : [])) {
        if (!isObject(span)) continue;
        if (resourceCarries || keyedValue(span["attributes"], attribute).some((v) => isString(v, value)))
          ids.add(String(span["traceId"]));
      }
    }
  }
  return ids;
}

/** Every trace id an OTLP JSON answer holds. */
export function otlpTraceIds(data: Json): string[] {
  const ids = new Set<string>();
  for (const rs of list(data["resourceSpans"]))
    for (const ss of list(isObject(rs) ? rs["scopeSpans"] : []))
      for (const span of list(isObject(ss) ? ss["spans"] : [])) if (isObject(span)) ids.add(String(span["traceId"]));
  return [...ids];
}
