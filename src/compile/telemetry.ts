import type { Telemetry } from "../collector/components.js";
import type { ResolvedEnvironment } from "../resolve/resolve.js";
import { ID, type Fragment } from "./ids.js";

export function compileTelemetry({ name, tier, pipeline }: ResolvedEnvironment): {
  telemetry: Telemetry;
  fragment: Fragment;
} {
  const { telemetry, system } = pipeline;
  const at = telemetry.metrics_endpoint.lastIndexOf(":");
  return {
    telemetry: {
      resource: {
        "service.name": "otelcol-shop",
        "service.namespace": system.name,
        "deployment.environment.name": name,
      },
      // Machines read production logs; people read development ones.
      logs: { level: telemetry.log_level, encoding: tier === "development" ? "console" : "json" },
      metrics: {
        level: "normal",
        readers: [
          {
            pull: {
              exporter: {
                prometheus: {
                  host: telemetry.metrics_endpoint.slice(0, at),
                  port: Number(telemetry.metrics_endpoint.slice(at + 1)),
                },
              },
            },
          },
        ],
      },
    },
    fragment: { extensions: { [ID.healthCheck]: { endpoint: telemetry.health_endpoint } } },
  };
}
