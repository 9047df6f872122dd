import { compileCollectorConfig } from "./index.js";
import { ID } from "../collector/registry.js";
import { canonicalKey } from "../masking/keys.js";
import type { ScrubKind } from "../masking/scrub-kinds.js";
import type { ResolvedEnvironment } from "../resolve/resolve.js";

/*
 * What an environment's description promises about masking, as the replay and the
 * synthesizer need it: which keys are removed or pseudonymized, which detectors and custom
 * patterns run, which keys are scrubbed as what, whether numbers are read as text, and the
 * allow-list. Read from the masking processor's config as `tracegen build` generates it for
 * the description (the contract between description and processor), never from the config
 * a replay ran, which tests break on purpose. It says nothing about how the processor walks
 * spans: the checks that use it judge keys and values, the leak oracle uses none of it.
 */

export interface MaskingContract {
  /** Keys as the description writes them. */
  remove: string[];
  pseudonymize: string[];
  /** Built-in detectors by name. */
  detectors: string[];
  /** Custom RE2 patterns (redact_values) by name. */
  custom: Array<{ name: string; pattern: string }>;
  scrub: Array<{ key: string; kind: ScrubKind }>;
  /** Whether ints and doubles are matched by their decimal text. */
  numbers: boolean;
  /** Whether SQL and URLs in span names, status messages, event names, scope names and schema URLs are scrubbed. */
  scrubNames: boolean;
  allow?: { keys: string[]; otherwise: "remove" | "pseudonymize" };
}

/** canonicalKey remembering its answers: a replay's spans repeat the same keys thousands of times. */
export function canonicalKeys(): (key: string) => string {
  const known = new Map<string, string>();
  return (key) => {
    let c = known.get(key);
    if (c === undefined) known.set(key, (c = canonicalKey(key)));
    return c;
  };
}

export function maskingContract(env: ResolvedEnvironment): MaskingContract {
  const masking = compileCollectorConfig(env).processors[ID.masking];
  return {
    remove: masking?.remove ?? [],
    pseudonymize: masking?.pseudonymize.keys ?? [],
    detectors: masking?.detectors ?? [],
    custom: masking?.redact_values ?? [],
    scrub: masking?.scrub_queries ?? [],
    numbers: masking?.numbers ?? false,
    scrubNames: masking?.scrub_names ?? false,
    ...(masking?.allow ? { allow: masking.allow } : {}),
  };
}

/** The contracts of several environments as one: what any of them promises (for one fixture serving all). */
export function unionContract(contracts: readonly MaskingContract[]): MaskingContract {
  const unique = <T>(items: T[], key: (t: T) => string) => [...new Map(items.map((i) => [key(i), i])).values()];
  return {
    remove: unique(
      contracts.flatMap((c) => c.remove),
      (k) => k,
    ),
    pseudonymize: unique(
      contracts.flatMap((c) => c.pseudonymize),
      (k) => k,
    ),
    detectors: unique(
      contracts.flatMap((c) => c.detectors),
      (d) => d,
    ),
    custom: unique(
      contracts.flatMap((c) => c.custom),
      (r) => r.name,
    ),
    scrub: unique(
      contracts.flatMap((c) => c.scrub),
      (s) => canonicalKey(s.key),
    ),
    numbers: contracts.some((c) => c.numbers),
    scrubNames: contracts.some((c) => c.scrubNames),
  };
}
