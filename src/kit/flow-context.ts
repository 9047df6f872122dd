import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import type { ReadableSpan, Span as SdkSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";

/*
 * Which order and which flow a piece of work belongs to travels in W3C baggage, so it crosses HTTP
 * and RabbitMQ with the trace context and every service learns it without being told. The kit copies
 * it onto every span as attributes, because the collector's sampling and span metrics read attributes,
 * not baggage.
 */

export const FLOW_KEYS = ["order.id", "order.flow", "user.id"] as const;
export type FlowKey = (typeof FLOW_KEYS)[number];
export type FlowFacts = Partial<Record<FlowKey, string>>;

export class FlowAttributesProcessor implements SpanProcessor {
  onStart(span: SdkSpan, parentContext: Context): void {
    const baggage = propagation.getBaggage(parentContext);
    if (baggage === undefined) return;
    for (const key of FLOW_KEYS) {
      const entry = baggage.getEntry(key);
      if (entry !== undefined) span.setAttribute(key, entry.value);
    }
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** `parent` with the facts added to its baggage (existing entries for other keys are kept). */
export function withFlowFacts(parent: Context, facts: FlowFacts): Context {
  let baggage = propagation.getBaggage(parent) ?? propagation.createBaggage();
  for (const key of FLOW_KEYS) {
    const value = facts[key];
    if (value !== undefined) baggage = baggage.setEntry(key, { value });
  }
  return propagation.setBaggage(parent, baggage);
}

/** The facts the current context carries, e.g. to put the order id into a message body or a log line. */
export function currentFlowFacts(ctx: Context = context.active()): FlowFacts {
  const facts: FlowFacts = {};
  const baggage = propagation.getBaggage(ctx);
  for (const key of FLOW_KEYS) {
    const value = baggage?.getEntry(key)?.value;
    if (value !== undefined) facts[key] = value;
  }
  return facts;
}

/**
 * Learned mid-request (an order id is made after the request span started): tags the active span now
 * and runs `fn` with the facts in baggage, so every span and call below it carries them too.
 */
export function withFlow<T>(facts: FlowFacts, fn: () => T): T {
  const active = trace.getActiveSpan();
  for (const key of FLOW_KEYS) {
    const value = facts[key];
    if (value !== undefined) active?.setAttribute(key, value);
  }
  return context.with(withFlowFacts(context.active(), facts), fn);
}

export interface StartFlowOptions {
  facts: FlowFacts & { "order.flow": string };
  /**
   * The context of what caused this flow (the upload that asks for costing, the confirmation a job
   * was queued by): the new trace links to its span and inherits its baggage, the facts overriding.
   */
  causedBy?: Context;
  kind?: SpanKind;
  attributes?: Record<string, string | number | boolean>;
}

/**
 * A new flow is a new trace: the collector samples per trace and decides a trace's flow by the
 * attribute, so a flow started from inside another must not become part of that other trace. The
 * cause stays reachable through a span link.
 */
export function startFlow<T>(
  tracer: Tracer,
  name: string,
  options: StartFlowOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const cause = options.causedBy && trace.getSpanContext(options.causedBy);
  const links: Link[] = cause ? [{ context: cause }] : [];
  const inherited = options.causedBy ? propagation.getBaggage(options.causedBy) : undefined;
  const base = inherited ? propagation.setBaggage(ROOT_CONTEXT, inherited) : ROOT_CONTEXT;
  return tracer.startActiveSpan(
    name,
    { root: true, kind: options.kind ?? SpanKind.INTERNAL, links, attributes: options.attributes ?? {} },
    withFlowFacts(base, options.facts),
    (span) => runInSpan(span, fn),
  );
}

/** The current trace context and baggage as plain strings, to store with work that is picked up later. */
export function captureContext(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

export const restoreContext = (carrier: Record<string, string>): Context => propagation.extract(ROOT_CONTEXT, carrier);

/** Ends the span however `fn` ends; an exception is recorded on it with its message and rethrown. */
export async function runInSpan<T>(span: Span, fn: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await fn(span);
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

const failures = new WeakMap<Span, string>();

export function markFailed(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  span.setAttribute("error.type", err.name);
  failures.set(span, err.message);
}

/** Why the span failed, if markFailed said so (instrumentations may overwrite the status message later). */
export const failureOf = (span: Span): string | undefined => failures.get(span);
