import RE2 from "re2";
import type { LintContext } from "./context.js";

const LISTS = ["remove", "pseudonymize", "scrub_queries"] as const;

/**
 * Semantic-convention attributes that hold the same personal value as another: HTTP server
 * instrumentation records the caller's socket address as both when no proxy stands between.
 */
const SAME_VALUE_AS: Record<string, string[]> = {
  "client.address": ["network.peer.address"],
};

export function lintMasking({ env, report }: LintContext): void {
  const { masking, system, exporters } = env.pipeline;
  const firstSeen = new Map<string, string>();
  for (const list of LISTS) {
    masking[list].forEach((key, i) => {
      const earlier = firstSeen.get(key);
      if (earlier !== undefined) {
        report(
          ["masking", list, i],
          "error",
          "duplicate-masking-key",
          `\`${key}\` is listed again in masking.${list}; it is already in masking.${earlier}`,
          "name each attribute in one masking rule",
        );
      } else {
        firstSeen.set(key, list);
      }
    });
  }
  const flowRule = firstSeen.get(system.flow_attribute);
  if (flowRule === "remove" || flowRule === "pseudonymize") {
    report(
      ["system", "flow_attribute"],
      "error",
      "flow-attribute-masked",
      `the flow attribute \`${system.flow_attribute}\` is masked by masking.${flowRule}, so no trace could be matched to its flow`,
    );
  }
  exporters.prometheus.dimensions.forEach((dimension, i) => {
    const rule = firstSeen.get(dimension);
    if (rule === "remove" || rule === "pseudonymize") {
      report(
        ["exporters", "prometheus", "dimensions", i],
        "error",
        "masked-dimension",
        `metric dimension \`${dimension}\` is masked by masking.${rule}; as a label it would be empty or a hash per user`,
        "drop it from the dimensions",
      );
    }
  });
  for (const list of ["remove", "pseudonymize"] as const) {
    masking[list].forEach((key, i) => {
      for (const twin of SAME_VALUE_AS[key] ?? []) {
        if (firstSeen.has(twin)) continue;
        report(
          ["masking", list, i],
          "warning",
          "masking-twin-unmasked",
          `\`${key}\` is masked but \`${twin}\`, which carries the same value on a direct connection, is not`,
          `add ${twin} to masking.${list}`,
        );
      }
    });
  }
  for (const [name, pattern] of Object.entries(masking.redact_values)) {
    const problem = re2Problem(pattern);
    if (problem) {
      report(
        ["masking", "redact_values", name],
        "error",
        "not-re2",
        `pattern \`${name}\` is not valid RE2 (the collector's Go regexp): ${problem}`,
        "RE2 has no lookahead/lookbehind, backreferences or possessive quantifiers; rewrite without them",
      );
    }
  }
}

function re2Problem(pattern: string): string | undefined {
  try {
    new RE2(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
