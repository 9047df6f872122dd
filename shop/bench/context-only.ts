import { context, trace, type Tracer } from "@opentelemetry/api";
import { KitContextManager } from "../../src/kit/context-manager.js";

/*
 * The kit's context propagation and nothing else: its AsyncLocalStorage context manager registered, no
 * SDK, no instrumentation, no span. The services' own context calls (flows, routes, tables) then carry
 * contexts as they do when traced. `npm run bench:overhead` measures it as the floor of what any
 * OpenTelemetry tracing costs on Node 20, where an enabled AsyncLocalStorage hooks every promise.
 */
export function startContextOnly(): { tracer: Tracer; shutdown(): Promise<void> } {
  context.setGlobalContextManager(new KitContextManager());
  return { tracer: trace.getTracer("context-only"), shutdown: () => Promise.resolve() };
}
