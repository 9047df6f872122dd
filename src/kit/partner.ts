import { trace } from "@opentelemetry/api";

/** The span attribute tracing.yaml's access.partners.attribute names by default. */
export const PARTNER_ATTRIBUTE = "partner.id";

/**
 * Marks the current request as a partner's: the trace gateway shows a partner the traces whose spans
 * carry their id, so the service that authenticates the partner calls this on its request span.
 */
export function setPartner(partnerId: string, attribute: string = PARTNER_ATTRIBUTE): void {
  trace.getActiveSpan()?.setAttribute(attribute, partnerId);
}
