/*
 * The instrumentation kit: what a Node service of the shop needs to be traced the way tracing.yaml
 * expects. `startTracing` first, then the service; the helpers tie work to orders and flows.
 */
export { startTracing, type StartOptions, type Tracing } from "./start.js";
export { settingsFromEnv, KitSettingsError, type KitSettings, type ExporterSettings } from "./settings.js";
export {
  FLOW_KEYS,
  captureContext,
  currentFlowFacts,
  restoreContext,
  markFailed,
  runInSpan,
  startFlow,
  withFlow,
  type FlowFacts,
  type FlowKey,
  type StartFlowOptions,
} from "./flow-context.js";
export { onTable, type TableFacts } from "./database.js";
export { setRoute } from "./http.js";
export { PARTNER_ATTRIBUTE, setPartner } from "./partner.js";
export { traceReturnedMessage, type ReturnedMessage } from "./messaging.js";
