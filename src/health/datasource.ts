import type { ResolvedPipeline } from "../resolve/resolve.js";
import { datasourceUid } from "./dashboard.js";
import { traceUrl } from "./jaeger-links.js";
import { EXEMPLAR_TRACE_ID } from "./span-metrics.js";

/*
 * Grafana's provisioning file for the Prometheus data source the dashboard uses. It is where an
 * exemplar's trace_id becomes a link to the trace in Jaeger: Grafana attaches exemplar links per
 * data source, not per dashboard. Prometheus's address is the deployment's, so it is read from
 * Grafana's environment; provisioning files expand ${VAR}, and `$$` keeps a literal `$` for
 * Grafana's own ${__value.raw}.
 */

export const PROMETHEUS_URL_VARIABLE = "PROMETHEUS_URL";

interface ExemplarDestination {
  name: string;
  url: string;
  urlDisplayLabel: string;
}

export interface DatasourceProvisioning {
  apiVersion: 1;
  datasources: Array<{
    name: string;
    uid: string;
    type: "prometheus";
    access: "proxy";
    url: string;
    jsonData: { exemplarTraceIdDestinations?: ExemplarDestination[] };
  }>;
}

export function datasourceProvisioning(pipeline: ResolvedPipeline): DatasourceProvisioning {
  const trace = traceUrl(pipeline, "$${__value.raw}");
  return {
    apiVersion: 1,
    datasources: [
      {
        name: `Prometheus (${pipeline.system.name} flows)`,
        uid: datasourceUid(pipeline.system.name),
        type: "prometheus",
        access: "proxy",
        url: `\${${PROMETHEUS_URL_VARIABLE}}`,
        jsonData: trace
          ? {
              exemplarTraceIdDestinations: [
                { name: EXEMPLAR_TRACE_ID, url: trace, urlDisplayLabel: "Trace in Jaeger" },
              ],
            }
          : {},
      },
    ],
  };
}
