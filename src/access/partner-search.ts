import { ResultTooLarge, type UpstreamAnswer } from "./upstream.js";
import { isObject, jaegerTraceCarries, list, parseJson } from "./views.js";

/*
 * A partner's search of the UI API, answered from the partner's own traces. Jaeger matches a tag only
 * on spans of the searched service, and the partner attribute sits on the span where the partner
 * called in; so a search passed on as asked returns everyone's traces, and a partner outnumbered in
 * the window would get few or none of theirs after filtering. Instead the gateway first asks Jaeger
 * for the partner's traces (the partner attribute on an entry service's spans, in the partner's time
 * window), then picks from those the ones the partner's search matches, the way Jaeger's own
 * search does: one span of the searched service that has the operation, starts in the window, lasts
 * between the bounds and carries every searched tag (on the span, its process or its logs).
 */

type Json = Record<string, unknown>;

export interface TraceSearch {
  service: string;
  operation: string | undefined;
  tags: ReadonlyMap<string, string>;
  /** Unix microseconds. */
  startMin: number | undefined;
  startMax: number | undefined;
  /** Microseconds. */
  durationMin: number | undefined;
  durationMax: number | undefined;
  limit: number;
}

/** Jaeger's default number of traces when a search names none. */
const DEFAULT_LIMIT = 20;

const MICROSECONDS: Record<string, number> = { ns: 0.001, us: 1, µs: 1, μs: 1, ms: 1e3, s: 1e6, m: 6e7, h: 3.6e9 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|μs|ms|s|m|h))+$/;

/** A Go duration ("1.5s", "1h30m", "250ms"), as Jaeger's search reads minDuration and maxDuration. */
function microseconds(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g))
    total += Number(amount) * (MICROSECONDS[unit as string] as number);
  return total;
}

/** The search a partner asked for, or why it is malformed (answered with 400, as Jaeger would). */
export function readTraceSearch(params: URLSearchParams, maxTraces: number): TraceSearch | string {
  const service = params.get("service") ?? "";
  if (service === "") return "parameter 'service' is required";
  const tags = new Map<string, string>();
  for (const tag of params.getAll("tag")) {
    const colon = tag.indexOf(":");
    if (colon < 0) return `malformed 'tag' parameter, expecting key:value, received: ${tag}`;
    tags.set(tag.slice(0, colon), tag.slice(colon + 1));
  }
  for (const json of params.getAll("tags")) {
    const parsed = parseJson(json);
    if (!isObject(parsed) || !Object.values(parsed).every((value) => typeof value === "string"))
      return "malformed 'tags' parameter, expecting a JSON object of strings";
    for (const [key, value] of Object.entries(parsed)) tags.set(key, value as string);
  }
  const numbers: Record<string, number | undefined> = {};
  for (const [name, read] of [
    ["start", wholeNumber],
    ["end", wholeNumber],
    ["minDuration", microseconds],
    ["maxDuration", microseconds],
    ["limit", wholeNumber],
  ] as const) {
    const text = params.get(name);
    if (text === null || text === "") continue;
    const value = read(text);
    if (value === undefined) return `malformed '${name}' parameter: ${text}`;
    numbers[name] = value;
  }
  const asked = numbers["limit"] || DEFAULT_LIMIT;
  return {
    service,
    operation: params.get("operation") || undefined,
    tags,
    startMin: numbers["start"],
    startMax: numbers["end"],
    durationMin: numbers["minDuration"],
    durationMax: numbers["maxDuration"],
    limit: Math.min(asked, maxTraces),
  };
}

function wholeNumber(text: string): number | undefined {
  return /^\d{1,16}$/.test(text) ? Number(text) : undefined;
}

/**
 * Jaeger queries for the partner's traces: the partner attribute on each entry service's spans, in
 * the window the partner asked about, as many as a search may return.
 */
export function partnerLookups(
  params: URLSearchParams,
  entryServices: readonly string[],
  partner: { attribute: string; value: string },
  maxTraces: number,
): URLSearchParams[] {
  return entryServices.map((service) => {
    const lookup = new URLSearchParams({
      service,
      tags: JSON.stringify({ [partner.attribute]: partner.value }),
      limit: String(maxTraces),
    });
    for (const name of ["start", "end"]) {
      const value = params.get(name);
      if (value) lookup.set(name, value);
    }
    return lookup;
  });
}

/**
 * From the traces the lookups found: the partner's, which the search matches, newest first, no more
 * than it asked for.
 */
export function answerPartnerSearch(
  found: readonly Json[],
  search: TraceSearch,
  partner: { attribute: string; value: string },
): Json[] {
  const byId = new Map<string, Json>();
  for (const trace of found) {
    const id = String(trace["traceID"]);
    if (!byId.has(id) && jaegerTraceCarries(trace, partner.attribute, partner.value) && matches(trace, search))
      byId.set(id, trace);
  }
  return [...byId.values()].sort((a, b) => traceStart(b) - traceStart(a)).slice(0, search.limit);
}

/** What the search gives: the partner's matching traces, or Jaeger's (or the gateway's) refusal as is. */
export type PartnerSearchResult = { status: 200; traces: Json[] } | { status: number; body: unknown };

/**
 * The whole search: the lookups run at once (so together they take at most one query timeout), each
 * through `lookup`, the gateway's bounded query of Jaeger's `/api/traces`.
 */
export async function searchAsPartner(
  params: URLSearchParams,
  entryServices: readonly string[],
  partner: { attribute: string; value: string },
  maxTraces: number,
  lookup: (query: URLSearchParams) => Promise<UpstreamAnswer>,
): Promise<PartnerSearchResult> {
  const search = readTraceSearch(params, maxTraces);
  if (typeof search === "string")
    return { status: 400, body: { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 400, msg: search }] } };
  const answers = await Promise.all(partnerLookups(params, entryServices, partner, maxTraces).map(lookup));
  const bodies = answers.map((answer) => parseJson(answer.body));
  const failed = answers.findIndex((answer) => answer.status !== 200);
  if (failed >= 0) return { status: (answers[failed] as UpstreamAnswer).status, body: bodies[failed] ?? null };
  const found = bodies.flatMap((body) => (isObject(body) ? list(body["data"]).filter(isObject) : []));
  return { status: 200, traces: answerPartnerSearch(found, search, partner) };
}

/**
 * A v3 search (`query.*`, times in RFC 3339) as the UI API's parameters, so that one lookup and one
 * matcher serve both APIs; or why it is malformed. Jaeger's v3 HTTP search takes no attributes, so
 * the lookup by the partner attribute can only go through the UI API.
 */
export function uiSearchParams(v3: URLSearchParams): URLSearchParams | string {
  const ui = new URLSearchParams();
  for (const [from, to] of [
    ["query.service_name", "service"],
    ["query.operation_name", "operation"],
    ["query.duration_min", "minDuration"],
    ["query.duration_max", "maxDuration"],
    ["query.num_traces", "limit"],
  ] as const) {
    const value = v3.get(from);
    if (value) ui.set(to, value);
  }
  for (const [from, to] of [
    ["query.start_time_min", "start"],
    ["query.start_time_max", "end"],
  ] as const) {
    const value = v3.get(from) ?? "";
    if (value === "") return "query.start_time_min and query.start_time_max are required";
    const at = rfc3339Microseconds(value);
    if (at === undefined) return `malformed '${from}' parameter: ${value}`;
    ui.set(to, String(at));
  }
  return ui;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

function rfc3339Microseconds(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  return seconds * 1000 + Number((match[2] ?? "").padEnd(6, "0").slice(0, 6));
}

/** How many traces of a v3 answer are fetched from Jaeger at once. */
const FETCHES_AT_ONCE = 8;

/** What a partner's v3 search gives: one OTLP answer of their matching traces, or a refusal as is. */
export type PartnerV3SearchResult = { status: 200; answer: Json } | { status: number; body: unknown };

const v3Error = (status: number, message: string) => ({ status, body: { error: { httpCode: status, message } } });

/**
 * A partner's v3 search: the same lookups and matching as the UI API's, then each trace found
 * fetched by id from Jaeger's v3 API (whose answers are OTLP), a few at a time, newest first, their
 * bodies together no larger than `maxBytes`.
 */
export async function searchAsPartnerV3(
  params: URLSearchParams,
  entryServices: readonly string[],
  partner: { attribute: string; value: string },
  limits: { maxTraces: number; maxBytes: number },
  io: {
    lookup: (query: URLSearchParams) => Promise<UpstreamAnswer>;
    fetchTrace: (traceId: string) => Promise<UpstreamAnswer>;
  },
): Promise<PartnerV3SearchResult> {
  const ui = uiSearchParams(params);
  if (typeof ui === "string") return v3Error(400, ui);
  const found = await searchAsPartner(ui, entryServices, partner, limits.maxTraces, io.lookup);
  if (!("traces" in found)) {
    const errors = isObject(found.body) ? list(found.body["errors"]) : [];
    const message = isObject(errors[0]) ? String(errors[0]["msg"]) : "search failed";
    return v3Error(found.status, message);
  }
  const traceIds = found.traces.map((trace) => String(trace["traceID"]));
  const resourceSpans: unknown[] = [];
  let size = 0;
  for (let i = 0; i < traceIds.length; i += FETCHES_AT_ONCE) {
    const answers = await Promise.all(traceIds.slice(i, i + FETCHES_AT_ONCE).map(io.fetchTrace));
    for (const answer of answers) {
      size += answer.body.length;
      if (size > limits.maxBytes)
        throw new ResultTooLarge(`the partner's traces are over the limit of ${limits.maxBytes} bytes`);
      const body = parseJson(answer.body);
      // A trace gone since the lookup (evicted from storage) is left out, as Jaeger's search would.
      if (answer.status === 404) continue;
      if (answer.status !== 200) return { status: answer.status, body: body ?? null };
      if (isObject(body) && isObject(body["result"])) resourceSpans.push(...list(body["result"]["resourceSpans"]));
    }
  }
  return { status: 200, answer: { result: { resourceSpans } } };
}

function matches(trace: Json, search: TraceSearch): boolean {
  const processes = isObject(trace["processes"]) ? trace["processes"] : {};
  return list(trace["spans"]).some((span) => {
    if (!isObject(span)) return false;
    const process = processes[String(span["processID"])];
    if (!isObject(process) || process["serviceName"] !== search.service) return false;
    if (search.operation !== undefined && span["operationName"] !== search.operation) return false;
    const start = Number(span["startTime"]);
    const duration = Number(span["duration"]);
    if (search.startMin !== undefined && start < search.startMin) return false;
    if (search.startMax !== undefined && start > search.startMax) return false;
    if (search.durationMin !== undefined && duration < search.durationMin) return false;
    if (search.durationMax !== undefined && duration > search.durationMax) return false;
    const places = [
      list(span["tags"]),
      list(process["tags"]),
      ...list(span["logs"]).map((log) => list(isObject(log) ? log["fields"] : [])),
    ];
    return [...search.tags].every(([key, value]) => places.some((place) => carries(place, key, value)));
  });
}

/** Jaeger compares a searched tag with the attribute's value as text. */
function carries(keyValues: unknown[], key: string, value: string): boolean {
  return keyValues.some((kv) => isObject(kv) && kv["key"] === key && String(kv["value"]) === value);
}

function traceStart(trace: Json): number {
  // A loop, not Math.min(...spans): a trace of many spans would overflow the call's arguments.
  let start = Infinity;
  for (const span of list(trace["spans"])) if (isObject(span)) start = Math.min(start, Number(span["startTime"]));
  return start;
}
