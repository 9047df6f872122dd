/*
 * A minimal traced program for the kit's tests, started the way every shop service is: tracing
 * first, then the code that imports pg and amqplib. Settings come from the environment
 * (OTEL_EXPORTER_OTLP_ENDPOINT and friends, PROBE_POSTGRES_URL, PROBE_AMQP_URL, PROBE_EMAIL).
 */
import { startTracing } from "../../src/kit/index.js";

const tracing = startTracing({ serviceName: "kit-probe" });
const { roundTrip } = await import("./kit-roundtrip.js");
try {
  const report = await roundTrip(tracing.tracer, {
    postgresUrl: required("PROBE_POSTGRES_URL"),
    amqpUrl: required("PROBE_AMQP_URL"),
    email: required("PROBE_EMAIL"),
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await tracing.shutdown();
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
