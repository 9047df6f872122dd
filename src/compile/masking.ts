import type { MaskingConfig } from "../collector/components.js";
import type { ResolvedPipeline } from "../resolve/resolve.js";
import { ID, type Fragment } from "./ids.js";

/**
 * One masking processor, right after the memory limiter and before anything fans out.
 * It is the in-house `masking` processor because the stock ones leave span links, event
 * names, status messages and values nested in arrays or maps unmasked.
 */
export function compileMasking(pipeline: ResolvedPipeline): Fragment {
  const { masking } = pipeline;
  if (!hasMasking(pipeline)) return {};
  const config: MaskingConfig = {
    remove: masking.remove,
    pseudonymize: { keys: masking.pseudonymize, key: masking.pseudonymize_key },
    redact_values: Object.entries(masking.redact_values).map(([name, pattern]) => ({ name, pattern })),
    scrub_queries: masking.scrub_queries,
  };
  return { processors: { [ID.masking]: config } };
}

export const hasMasking = ({ masking }: ResolvedPipeline): boolean =>
  masking.remove.length +
    masking.pseudonymize.length +
    Object.keys(masking.redact_values).length +
    masking.scrub_queries.length >
  0;
