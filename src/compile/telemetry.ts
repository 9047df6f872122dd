import type { Telemetry } from "../collector/config.js";
import { parseHostPort } from "../endpoint/endpoint.js";
import type { ResolvedEnvironment } from "../resolve/resolve.js";
import { ID } from "../collector/registry.js";
import type { Fragment } from "./fragment.js";

/*
 * Every failed TLS handshake on the OTLP/HTTP port is an error line naming the client's address and
 * port, so anyone who can reach the port can write to the log as fast as they can connect. The log
 * sampler is the only brake the collector offers: it counts lines per message text in 4096 slots per
 * level, and since each of these lines is unique, only a cap on every slot bounds them. Here each slot
 * logs its first line per minute and drops the rest: at most 4096 lines per minute per level, however
 * fast the flood, and a message that repeats is still logged once a minute.
 */
const FLOOD_CAP = { enabled: true, tick: "1m", initial: 1, thereafter: 0 } as const;

export function compileTelemetry({ name, tier, pipeline }: ResolvedEnvironment): {
  telemetry: Telemetry;
  fragment: Fragment;
} {
  const { telemetry, system } = pipeline;
  // The collector joins host and port itself, so an IPv6 host goes without brackets.
  const ownMetrics = parseHostPort(telemetry.metrics_endpoint);
  return {
    telemetry: {
      // The declarative list; the inline map of earlier releases makes the collector warn at every start.
      resource: {
        attributes: [
          { name: "service.name", value: "otelcol-shop" },
          { name: "service.namespace", value: system.name },
          { name: "deployment.environment.name", value: name },
        ],
      },
      // Machines read production logs; people read development ones.
      logs: {
        level: telemetry.log_level,
        encoding: tier === "development" ? "console" : "json",
        ...(tier === "development" ? {} : { sampling: FLOOD_CAP }),
      },
      metrics: {
        level: "normal",
        readers: [
          {
            pull: {
              exporter: {
                prometheus: { host: ownMetrics.host, port: ownMetrics.port },
              },
            },
          },
        ],
      },
    },
    fragment: { extensions: { [ID.healthCheck]: { endpoint: telemetry.health_endpoint } } },
  };
}
