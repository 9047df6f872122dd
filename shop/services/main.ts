/*
 * How every shop service starts: tracing first (the instrumentations must be in place before the
 * service's modules import pg, amqplib and http), then the service, then a clean stop on SIGTERM or
 * SIGINT that closes the service and flushes the last spans.
 *
 *   node --import tsx shop/services/main.ts <service>
 *
 * SHOP_TRACING_SETUP=bare-sdk starts the OpenTelemetry SDK set up by hand instead of the kit, and
 * SHOP_TRACING_SETUP=context-only the kit's context propagation without any SDK: the baselines of
 * `npm run bench:overhead`.
 */
import { startBareSdk } from "../bench/bare-sdk.js";
import { startContextOnly } from "../bench/context-only.js";
import { startTracing } from "../../src/kit/index.js";
import { SERVICES, type ServiceName } from "./names.js";

const name = process.argv[2] as ServiceName | undefined;
if (name === undefined || !SERVICES.includes(name)) {
  process.stderr.write(`usage: main.ts <${SERVICES.join("|")}>\n`);
  process.exit(2);
}
// Only the kit is imported above: the service's own modules load after the instrumentations.
const ignorePaths = ["/healthz", "/otlp/v1/traces", "/favicon.ico"];
const setup = process.env.SHOP_TRACING_SETUP;
const tracing =
  setup === "bare-sdk"
    ? startBareSdk(name, ignorePaths)
    : setup === "context-only"
      ? startContextOnly()
      : startTracing({ serviceName: name, ignorePaths });
const log = (line: string) => process.stdout.write(`${line}\n`);
const module = (await import(`./${name}.js`)) as {
  start(tracer: typeof tracing.tracer, log: (line: string) => void): Promise<() => Promise<void>>;
};
const stop = await module.start(tracing.tracer, log);
log(`ready`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log(`stopping (${signal})`);
  try {
    await stop();
  } finally {
    await tracing.shutdown();
    process.exit(0);
  }
};
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
