import { setTimeout as delay } from "node:timers/promises";

/*
 * Reading traces back from Jaeger's HTTP API (GET /api/traces?service=&tags=, GET /api/traces/{id}),
 * flattened to what the shop's checks need: who called whom, how long it took, what it says.
 */

export interface TraceSpan {
  traceId: string;
  spanId: string;
  /** The CHILD_OF reference: the parent span, if any. */
  parentId: string | undefined;
  /** FOLLOWS_FROM references: span links, e.g. to the flow that caused this one. */
  links: string[];
  service: string;
  name: string;
  kind: "server" | "client" | "producer" | "consumer" | "internal";
  startUs: number;
  durationUs: number;
  tags: Record<string, unknown>;
  error: boolean;
  statusMessage: string | undefined;
  events: Array<Record<string, unknown>>;
}

export interface Trace {
  traceId: string;
  spans: TraceSpan[];
  /** The trace as Jaeger returned it, for checks on everything it contains. */
  raw: unknown;
}

interface JaegerTag {
  key: string;
  value: unknown;
}

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: "CHILD_OF" | "FOLLOWS_FROM"; spanID: string }>;
  startTime: number;
  duration: number;
  tags: JaegerTag[];
  logs: Array<{ fields: JaegerTag[] }>;
  processID: string;
}

interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

export function toTrace(raw: JaegerTrace): Trace {
  const tagsOf = (tags: JaegerTag[]) => Object.fromEntries(tags.map((t) => [t.key, t.value]));
  return {
    traceId: raw.traceID,
    raw,
    spans: raw.spans.map((s) => {
      const tags = tagsOf(s.tags);
      return {
        traceId: s.traceID,
        spanId: s.spanID,
        parentId: s.references.find((r) => r.refType === "CHILD_OF")?.spanID,
        links: s.references.filter((r) => r.refType === "FOLLOWS_FROM").map((r) => r.spanID),
        service: raw.processes[s.processID]?.serviceName ?? "",
        name: s.operationName,
        kind: (tags["span.kind"] as TraceSpan["kind"] | undefined) ?? "internal",
        startUs: s.startTime,
        durationUs: s.duration,
        tags,
        error: tags["otel.status_code"] === "ERROR" || tags.error === true,
        statusMessage: tags["otel.status_description"] as string | undefined,
        events: s.logs.map((l) => tagsOf(l.fields)),
      };
    }),
  };
}

export interface TraceQuery {
  service: string;
  tags: Record<string, string>;
}

export async function searchTraces(queryUrl: string, query: TraceQuery): Promise<Trace[]> {
  const params = new URLSearchParams({
    service: query.service,
    tags: JSON.stringify(query.tags),
    lookback: "1h",
    limit: "20",
  });
  const response = await fetch(`${queryUrl}/api/traces?${params}`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`Jaeger answered ${response.status} to a trace search: ${await response.text()}`);
  const body = (await response.json()) as { data: JaegerTrace[] | null };
  return (body.data ?? []).map(toTrace);
}

/**
 * Spans reach Jaeger after the collector's sampling decision and in batches, so a trace found early
 * may still be incomplete: poll until `complete` says it is, or give up with what was seen.
 */
export async function waitForTrace(
  queryUrl: string,
  query: TraceQuery,
  complete: (trace: Trace) => boolean,
  timeoutMs = 30_000,
): Promise<Trace> {
  return pollJaeger(
    () => searchTraces(queryUrl, query),
    [] as Trace[],
    (seen) => seen.find(complete),
    timeoutMs,
    (seen) => {
      const summary = seen
        .map((t) => `${t.traceId}: ${t.spans.map((s) => `${s.service}/${s.name}`).join(", ")}`)
        .join("\n  ");
      return `no complete trace for ${JSON.stringify(query)} within ${timeoutMs / 1000} s; found:\n  ${summary || "(none)"}`;
    },
  );
}

/**
 * Asks Jaeger every half second until `pick` finds the trace in its answer; a failed request leaves the
 * last answer standing. Past the timeout, fails with what `notFound` says of the last answer.
 */
async function pollJaeger<T>(
  ask: (last: T) => Promise<T>,
  first: T,
  pick: (answer: T) => Trace | undefined,
  timeoutMs: number,
  notFound: (last: T) => string,
): Promise<Trace> {
  const deadline = Date.now() + timeoutMs;
  let last = first;
  for (;;) {
    last = await ask(last).catch(() => last);
    const found = pick(last);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(notFound(last));
    await delay(500);
  }
}

export async function getTrace(queryUrl: string, traceId: string): Promise<Trace | undefined> {
  const response = await fetch(`${queryUrl}/api/traces/${traceId}`, { signal: AbortSignal.timeout(5000) });
  if (response.status === 404) return undefined;
  if (!response.ok)
    throw new Error(`Jaeger answered ${response.status} for trace ${traceId}: ${await response.text()}`);
  const body = (await response.json()) as { data: JaegerTrace[] | null };
  const raw = body.data?.[0];
  return raw === undefined ? undefined : toTrace(raw);
}

/** Like waitForTrace, for a trace whose id is known (one the browser started). */
export async function waitForTraceById(
  queryUrl: string,
  traceId: string,
  complete: (trace: Trace) => boolean,
  timeoutMs = 30_000,
): Promise<Trace> {
  return pollJaeger(
    async (last: Trace | undefined) => (await getTrace(queryUrl, traceId)) ?? last,
    undefined,
    (seen) => (seen && complete(seen) ? seen : undefined),
    timeoutMs,
    (seen) =>
      `trace ${traceId} was not complete within ${timeoutMs / 1000} s; it has: ${seen?.spans.map((s) => `${s.service}/${s.name}`).join(", ") ?? "nothing"}`,
  );
}

export const traceUrl = (queryUrl: string, traceId: string): string => `${queryUrl}/trace/${traceId}`;

export const searchUrl = (queryUrl: string, query: TraceQuery): string =>
  `${queryUrl}/search?${new URLSearchParams({ service: query.service, tags: JSON.stringify(query.tags), lookback: "1h" })}`;
