import type { Principal } from "./principal.js";

/** What a request asks of Jaeger, whichever of its two query APIs it uses. */
export type Action = "services" | "operations" | "search" | "trace" | "dependencies";
export type Api = "ui" | "v3";

export interface Route {
  /** Fastify's route pattern, the same path Jaeger serves. */
  path: string;
  action: Action;
  api: Api;
}

export const ROUTES: readonly Route[] = [
  { path: "/api/services", action: "services", api: "ui" },
  { path: "/api/services/:service/operations", action: "operations", api: "ui" },
  { path: "/api/traces", action: "search", api: "ui" },
  { path: "/api/traces/:traceId", action: "trace", api: "ui" },
  { path: "/api/dependencies", action: "dependencies", api: "ui" },
  { path: "/api/v3/services", action: "services", api: "v3" },
  { path: "/api/v3/operations", action: "operations", api: "v3" },
  { path: "/api/v3/traces", action: "search", api: "v3" },
  { path: "/api/v3/traces/:traceId", action: "trace", api: "v3" },
];

/**
 * The flow-health views: which services and operations exist and how they call each other (the
 * dependency graph Jaeger's System Architecture page draws). No span of any trace is among them.
 */
export const FLOW_HEALTH_ACTIONS: ReadonlySet<Action> = new Set(["services", "operations", "dependencies"]);

/** Whether a principal may perform an action at all; what they then see is views.ts's business. */
export function mayPerform(principal: Principal, action: Action, managerFlowHealthOnly: boolean): boolean {
  if (principal.kind === "partner") return action !== "dependencies";
  if (principal.role === "manager" && managerFlowHealthOnly) return FLOW_HEALTH_ACTIONS.has(action);
  return true;
}
