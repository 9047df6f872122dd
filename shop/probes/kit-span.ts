/*
 * The smallest traced program: one failed span carrying a customer's e-mail, exported by the kit with
 * whatever TLS, client certificate and token its environment names, then flushed on shutdown.
 */
import { SpanStatusCode } from "@opentelemetry/api";
import { startTracing, withFlow } from "../../src/kit/index.js";

const tracing = startTracing({ serviceName: "kit-probe" });
withFlow({ "order.id": "ord-00000000000a", "order.flow": "order-upload", "user.id": "cust-0042" }, () => {
  const span = tracing.tracer.startSpan("probe upload", { attributes: { "user.email": "ada.lovelace@example.com" } });
  // An error: every environment keeps error traces whatever its sampling shares.
  span.setStatus({ code: SpanStatusCode.ERROR, message: "probe" });
  span.end();
});
await tracing.shutdown();
