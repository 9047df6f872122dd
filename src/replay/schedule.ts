import type { FixtureRequest } from "../traffic/read.js";
import type { Resource, ResourceSpans, Scope, ScopeSpans, Span, TraceRequest } from "../otlp/model.js";

/*
 * Turns fixtures into a send plan. Every span is sent when it ended (services export a
 * span when it ends), relative to the earliest end in the fixtures, divided by the speed
 * factor; timestamps move by one constant so durations and gaps stay as recorded and the
 * latest span ends about now. Spans due within one tick share a request, grouped by the
 * resource and scope they were recorded with.
 */

export interface SpanRecord {
  span: Span;
  resource: Resource;
  scope: Scope;
  resourceSchemaUrl: string;
  scopeSchemaUrl: string;
  /** Where the span was read from, for findings. */
  source: { file: string; line?: number; offset?: number };
}

export interface Batch {
  /** Milliseconds after the replay's start at which the batch is due. */
  atMs: number;
  request: TraceRequest;
  spans: SpanRecord[];
}

export interface SendPlan {
  batches: Batch[];
  spans: number;
  /** Added to every timestamp (ns); exposed so a report can say what "now" the fixtures were moved to. */
  shiftNs: bigint;
}

export interface PlanOptions {
  /** Fixture time per wall-clock time; Infinity sends everything at once, in end-time order. */
  speed: number;
  /** Wall-clock time the replay starts, in ns since the epoch. */
  nowNs: bigint;
  tickMs?: number;
  maxSpansPerRequest?: number;
  /**
   * Requests stay below this many bytes (estimated, from above): a receiver refuses larger ones,
   * and how spans are grouped into requests is the harness's doing, not the fixture's.
   */
  maxRequestBytes?: number;
}

export function flattenFixtures(requests: readonly FixtureRequest[]): SpanRecord[] {
  const out: SpanRecord[] = [];
  for (const { request, file, line, offset } of requests)
    for (const rs of request.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans)
          out.push({
            span,
            resource: rs.resource,
            scope: ss.scope,
            resourceSchemaUrl: rs.schemaUrl,
            scopeSchemaUrl: ss.schemaUrl,
            source: { file, ...(line !== undefined ? { line } : {}), ...(offset !== undefined ? { offset } : {}) },
          });
  return out;
}

export function planSends(records: readonly SpanRecord[], o: PlanOptions): SendPlan {
  const tick = o.tickMs ?? 25;
  const max = o.maxSpansPerRequest ?? 2000;
  const maxBytes = o.maxRequestBytes ?? Infinity;
  if (records.length === 0) return { batches: [], spans: 0, shiftNs: 0n };
  const sorted = [...records].sort((a, b) =>
    a.span.endTimeUnixNano < b.span.endTimeUnixNano ? -1 : a.span.endTimeUnixNano > b.span.endTimeUnixNano ? 1 : 0,
  );
  const firstEnd = sorted[0]!.span.endTimeUnixNano;
  const lastEnd = sorted[sorted.length - 1]!.span.endTimeUnixNano;
  const durationMs = Number(lastEnd - firstEnd) / 1e6;
  // The last span ends "now + replay duration": timestamps never lie in the future of their arrival.
  const shiftNs =
    o.nowNs - firstEnd + BigInt(Math.round((Number.isFinite(o.speed) ? durationMs / o.speed - durationMs : 0) * 1e6));
  const groups: Array<{ atMs: number; records: SpanRecord[]; bytes: number; owners: Set<object> }> = [];
  for (const r of sorted) {
    const at = Number.isFinite(o.speed) ? Number(r.span.endTimeUnixNano - firstEnd) / 1e6 / o.speed : 0;
    const slot = Math.floor(at / tick) * tick;
    const current = groups[groups.length - 1];
    const bytes = (g: { owners: Set<object> } | undefined) =>
      approxBytes(r.span) +
      (g?.owners.has(r.resource) ? 0 : approxBytes(r.resource)) +
      (g?.owners.has(r.scope) ? 0 : approxBytes(r.scope));
    if (
      current &&
      current.atMs === slot &&
      current.records.length < max &&
      current.bytes + bytes(current) <= maxBytes
    ) {
      current.bytes += bytes(current);
      current.owners.add(r.resource).add(r.scope);
      current.records.push(shifted(r, shiftNs));
    } else
      groups.push({
        atMs: slot,
        records: [shifted(r, shiftNs)],
        bytes: bytes(undefined),
        owners: new Set<object>([r.resource, r.scope]),
      });
  }
  return {
    batches: groups.map((g) => ({ atMs: g.atMs, request: toRequest(g.records), spans: g.records })),
    spans: sorted.length,
    shiftNs,
  };
}

/**
 * An upper estimate of an object's protobuf size: every string and byte array at its length
 * and every other field at 11 bytes (a tag and the longest varint), plus a 6-byte frame per
 * object. Cheaper than encoding, and never below the real size.
 */
function approxBytes(value: unknown): number {
  if (typeof value === "string") return 6 + Buffer.byteLength(value);
  if (value instanceof Uint8Array) return 6 + value.length;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + approxBytes(v), 6);
  if (value !== null && typeof value === "object") {
    let n = 6;
    for (const v of Object.values(value)) n += approxBytes(v);
    return n;
  }
  return 11;
}

function shifted(r: SpanRecord, by: bigint): SpanRecord {
  const s = r.span;
  return {
    ...r,
    span: {
      ...s,
      startTimeUnixNano: s.startTimeUnixNano + by,
      endTimeUnixNano: s.endTimeUnixNano + by,
      events: s.events.map((e) => ({ ...e, timeUnixNano: e.timeUnixNano + by })),
    },
  };
}

/**
 * Regroups spans under their resource and scope. Equal resources read from different
 * fixture lines are one resource again, as they were in the process that recorded them.
 */
export function toRequest(records: readonly SpanRecord[]): TraceRequest {
  const byResource = new Map<string, { rs: ResourceSpans; scopes: Map<string, ScopeSpans> }>();
  for (const r of records) {
    const resourceKey = `${identity(r.resource)}\u0000${r.resourceSchemaUrl}`;
    let entry = byResource.get(resourceKey);
    if (!entry) {
      entry = { rs: { resource: r.resource, scopeSpans: [], schemaUrl: r.resourceSchemaUrl }, scopes: new Map() };
      byResource.set(resourceKey, entry);
    }
    const scopeKey = `${identity(r.scope)}\u0000${r.scopeSchemaUrl}`;
    let ss = entry.scopes.get(scopeKey);
    if (!ss) {
      ss = { scope: r.scope, spans: [], schemaUrl: r.scopeSchemaUrl };
      entry.scopes.set(scopeKey, ss);
      entry.rs.scopeSpans.push(ss);
    }
    ss.spans.push(r.span);
  }
  return { resourceSpans: [...byResource.values()].map((e) => e.rs) };
}

const identities = new WeakMap<object, string>();

/** A content key for a resource or scope, computed once per object. */
function identity(o: Resource | Scope): string {
  let key = identities.get(o);
  if (key === undefined) {
    key = JSON.stringify(o, (_, v: unknown) =>
      typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? [...v] : v,
    );
    identities.set(o, key);
  }
  return key;
}
