import type { ResolvedGatewayConfig } from "./gateway-config.js";
import type { Principal } from "./principal.js";
import type { PartnerSearchResult, PartnerV3SearchResult } from "./partner-search.js";
import { ROUTES, type Route } from "./routes.js";
import type { UpstreamAnswer } from "./upstream.js";
import {
  allowingOnly,
  filterJaegerTrace,
  filterOtlpTraces,
  isObject,
  jaegerTraceCarries,
  otlpTraceIds,
  otlpTraceIdsCarrying,
  parseJson,
  removing,
  type KeepAttribute,
} from "./views.js";

/*
 * From a reader's request to Jaeger's query and from Jaeger's answer to what the reader gets. Pure:
 * the server does the I/O.
 */

type Access = ResolvedGatewayConfig["access"];
type Json = Record<string, unknown>;

export interface Reading {
  status: number;
  body: unknown;
  traceIds: string[];
  /** For the audit log only: why an answer withholds a trace that exists. */
  withheld?: string;
}

const withheld = (api: Route["api"], reason: string): Reading => ({ ...NOT_FOUND[api], withheld: reason });

/**
 * What a partner gets for a trace that is not theirs, the same as for a trace that does not exist:
 * one body per API, written here rather than passed on from Jaeger, so both cases share every byte.
 */
export const NOT_FOUND: Record<Route["api"], Reading> = {
  ui: {
    status: 404,
    body: { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: "trace not found" }] },
    traceIds: [],
  },
  v3: { status: 404, body: { error: { httpCode: 404, message: "No traces found" } }, traceIds: [] },
};

export function attributeFilter(principal: Principal, access: Access): KeepAttribute {
  if (principal.kind === "partner") {
    const partners = access.partners as NonNullable<Access["partners"]>;
    return allowingOnly([...partners.allow, partners.attribute]);
  }
  if (principal.role === "support") return () => true;
  return removing(access.staff.remove_attributes[principal.role]);
}

/**
 * Jaeger's query string for a request, search sizes capped. A partner's search is not narrowed by a
 * tag upstream: Jaeger matches tags on the searched service's own spans, and the partner attribute
 * sits on the span where the partner called in. Their results are filtered below instead, unless
 * the partners' entry services are known (partner-search.ts).
 */
export function upstreamParams(route: Route, params: URLSearchParams, maxTraces: number): URLSearchParams {
  const out = new URLSearchParams(params);
  if (route.action !== "search") return out;
  const sizeKey = route.api === "ui" ? "limit" : "query.num_traces";
  const asked = Number(out.get(sizeKey));
  if (!(Number.isInteger(asked) && asked > 0 && asked <= maxTraces)) out.set(sizeKey, String(maxTraces));
  return out;
}

/**
 * Attribute keys a UI search filters by (`tags` JSON and `tag=key:value`) that the reader may not
 * see: a search by them would tell which trace holds a withheld value, so it is refused.
 */
export function withheldSearchKeys(route: Route, params: URLSearchParams, keep: KeepAttribute): string[] {
  if (route.action !== "search" || route.api !== "ui") return [];
  const keys = params.getAll("tag").map((tag) => tag.split(":")[0] ?? "");
  for (const tags of params.getAll("tags")) {
    const parsed = parseJson(tags);
    keys.push(...(isObject(parsed) ? Object.keys(parsed) : [""]));
  }
  return keys.filter((key) => !keep(key));
}

/** What the reader gets from Jaeger's answer. */
export function readAnswer(route: Route, principal: Principal, access: Access, upstream: UpstreamAnswer): Reading {
  const body = parseJson(upstream.body);
  const partner = partnerOf(principal, access);
  if (route.action === "trace" || route.action === "search") {
    if (partner && route.action === "trace" && upstream.status === 404) return NOT_FOUND[route.api];
    if (upstream.status !== 200 || !isObject(body))
      return { status: upstream.status, body: body ?? null, traceIds: [] };
    const keep = attributeFilter(principal, access);
    return route.api === "ui" ? readUiTraces(route, body, keep, partner) : readV3Traces(body, keep, partner);
  }
  return { status: upstream.status, body: body ?? null, traceIds: [] };
}

/** A partner's search answered from their own traces (partner-search.ts), in the UI API's shape. */
export function readPartnerSearch(result: PartnerSearchResult, principal: Principal, access: Access): Reading {
  if (!("traces" in result)) return { status: result.status, body: result.body, traceIds: [] };
  const body = { data: result.traces, total: result.traces.length, limit: 0, offset: 0, errors: null };
  return readUiTraces(UI_SEARCH, body, attributeFilter(principal, access), partnerOf(principal, access));
}

/** A partner's v3 search answered from their own traces (partner-search.ts). */
export function readPartnerSearchV3(result: PartnerV3SearchResult, principal: Principal, access: Access): Reading {
  if (!("answer" in result)) return { status: result.status, body: result.body, traceIds: [] };
  return readV3Traces(result.answer, attributeFilter(principal, access), partnerOf(principal, access));
}

const UI_SEARCH = ROUTES.find((route) => route.action === "search" && route.api === "ui") as Route;

/** The partner attribute and the value a partner's traces carry in it. */
export function partnerOf(principal: Principal, access: Access): PartnerMatch {
  return principal.kind === "partner"
    ? { attribute: (access.partners as NonNullable<Access["partners"]>).attribute, value: principal.partner }
    : undefined;
}

type PartnerMatch = { attribute: string; value: string } | undefined;

function readUiTraces(route: Route, body: Json, keep: KeepAttribute, partner: PartnerMatch): Reading {
  const traces = (Array.isArray(body["data"]) ? body["data"] : []).filter(
    (trace): trace is Json =>
      isObject(trace) && (!partner || jaegerTraceCarries(trace, partner.attribute, partner.value)),
  );
  if (partner && route.action === "trace" && traces.length === 0)
    return withheld("ui", "trace of another partner or internal");
  const data = traces.map((trace) => filterJaegerTrace(trace, keep));
  return {
    status: 200,
    body: { ...body, data, total: data.length },
    traceIds: data.map((trace) => String(trace["traceID"])),
  };
}

function readV3Traces(body: Json, keep: KeepAttribute, partner: PartnerMatch): Reading {
  const result = isObject(body["result"]) ? body["result"] : {};
  const theirs = partner ? otlpTraceIdsCarrying(result, partner.attribute, partner.value) : undefined;
  const filtered = filterOtlpTraces(result, keep, theirs ? (span) => theirs.has(String(span["traceId"])) : undefined);
  const traceIds = otlpTraceIds(filtered);
  if (partner && traceIds.length === 0)
    return otlpTraceIds(result).length > 0 ? withheld("v3", "traces of another partner or internal") : NOT_FOUND.v3;
  return { status: 200, body: { ...body, result: filtered }, traceIds };
}
