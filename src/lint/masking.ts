import RE2 from "re2";
import type { LintContext } from "./context.js";

const LISTS = ["remove", "pseudonymize", "scrub_queries"] as const;

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
