import type { Dashboard } from "@grafana/schema";
import type { PrometheusQuery } from "../../src/health/dashboard.js";

/** Every Prometheus query of a dashboard's panels (Grafana types a panel's targets loosely). */
export const dashboardQueries = (panels: Dashboard["panels"]): PrometheusQuery[] =>
  (panels ?? []).flatMap((panel) =>
    "targets" in panel ? ((panel.targets ?? []) as unknown as PrometheusQuery[]) : [],
  );
