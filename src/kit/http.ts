import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { getRPCMetadata, RPCType } from "@opentelemetry/core";
import type { HttpInstrumentationConfig } from "@opentelemetry/instrumentation-http";
import { failureOf } from "./flow-context.js";

/*
 * The HTTP instrumentation makes a server span per request and a client span per outgoing call, and
 * carries traceparent, tracestate and baggage across. What it cannot know is the route template
 * (`/orders/:id`, not `/orders/42`): the router says it with `setRoute`.
 */

export function httpConfig(ignorePaths: readonly string[]): HttpInstrumentationConfig {
  return {
    // Health probes and relayed telemetry are not part of any order's story.
    ignoreIncomingRequestHook: (request) => ignorePaths.includes((request.url ?? "").split("?")[0] ?? ""),
    // A call made outside any trace (a readiness probe of a dependency) starts none.
    requireParentforOutgoingSpans: true,
    // The instrumentation sets an error status without a message from the response code when the
    // response ends; the reason the handler gave, if it gave one, is what belongs there.
    applyCustomAttributesOnSpan(span) {
      const reason = failureOf(span);
      if (reason !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
    },
  };
}

/** Names the current request's server span by its route; the instrumentation reads it when the response ends. */
export function setRoute(route: string): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type === RPCType.HTTP) metadata.route = route;
  trace.getActiveSpan()?.setAttribute("http.route", route);
}
