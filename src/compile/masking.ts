import type { MaskingConfig } from "../collector/components.js";
import { allowList } from "../resolve/allow-list.js";
import { scrubRules } from "../masking/scrub-kinds.js";
import type { ResolvedEnvironment, ResolvedPipeline } from "../resolve/resolve.js";
import { ID } from "../collector/registry.js";
import type { Fragment } from "./fragment.js";

/** A shorter HMAC key can be guessed by brute force; production refuses to start without 32 bytes. */
const PRODUCTION_MIN_KEY_BYTES = 32;

/**
 * One masking processor, right after the memory limiter and before anything fans out.
 * It is the in-house `masking` processor because the stock ones leave span links, event
 * names, status messages, trace state and values nested in arrays or maps unmasked.
 */
export function compileMasking({ tier, pipeline }: ResolvedEnvironment): Fragment {
  const { masking } = pipeline;
  if (!hasMasking(pipeline)) return {};
  const config: MaskingConfig = {
    remove: masking.remove,
    pseudonymize: {
      keys: masking.pseudonymize,
      key: masking.pseudonymize_key,
      ...(tier === "production" ? { min_key_bytes: PRODUCTION_MIN_KEY_BYTES } : {}),
    },
    detectors: [...new Set(masking.detect)],
    redact_values: Object.entries(masking.redact_values).map(([name, pattern]) => ({ name, pattern })),
    scrub_queries: scrubRules(masking.scrub_queries).map(({ key, kind }) => ({ key, kind })),
    // Span names, status messages and scope names carry statements and URLs too (ORMs name spans by their SQL).
    scrub_names: true,
    numbers: masking.numbers,
    ...(masking.mode === "allow_list"
      ? { allow: { keys: allowList(pipeline).map((a) => a.key), otherwise: masking.otherwise } }
      : {}),
  };
  return { processors: { [ID.masking]: config } };
}

export const hasMasking = ({ masking }: ResolvedPipeline): boolean =>
  masking.mode === "allow_list" ||
  masking.remove.length +
    masking.pseudonymize.length +
    masking.detect.length +
    Object.keys(masking.redact_values).length +
    masking.scrub_queries.length >
    0;
