import { createRequire } from "node:module";
import type RE2Type from "re2";
import type { Path } from "../../load/yaml-source.js";
import { canonicalKey } from "../../masking/keys.js";
import type { ScrubItem } from "../../masking/scrub-kinds.js";
import { scrubRules } from "../../masking/scrub-kinds.js";
import type { LintContext } from "./context.js";

/**
 * Semantic-convention attributes that hold the same personal value as another: HTTP server
 * instrumentation records the caller's socket address as both when no proxy stands between.
 */
const SAME_VALUE_AS = new Map(
  [["client.address", ["network.peer.address"]]].map(([k, v]) => [canonicalKey(k as string), v as string[]]),
);

/** Without these the Prometheus exporter cannot tell services and processes apart: their series merge. */
const METRICS_IDENTITY = ["service.name", "service.instance.id"];

type KeyRule = "remove" | "pseudonymize" | "scrub_queries" | "allow";

interface NamedKey {
  key: string;
  rule: KeyRule;
  path: Path;
}

export function lintMasking(context: LintContext): void {
  const named = namedKeys(context);
  const ruleOf = lintOneRulePerKey(context, named);
  lintWhatMaskingBreaks(context, ruleOf);
  lintTwins(context, named, ruleOf);
  lintScrubKinds(context);
  lintPatterns(context);
  lintAllowList(context);
  lintNumbers(context);
  lintMetricsIdentity(context);
}

/** Every key a masking rule names, with where it was written (a scrub rule's `key:` when it is a mapping). */
function namedKeys({ env }: LintContext): NamedKey[] {
  const { masking } = env.pipeline;
  const plain = (rule: "remove" | "pseudonymize" | "allow") =>
    masking[rule].map((key, i): NamedKey => ({ key, rule, path: ["masking", rule, i] }));
  return [
    ...plain("remove"),
    ...plain("pseudonymize"),
    ...masking.scrub_queries.map((item: ScrubItem, i): NamedKey => ({
      key: typeof item === "string" ? item : item.key,
      rule: "scrub_queries",
      path: typeof item === "string" ? ["masking", "scrub_queries", i] : ["masking", "scrub_queries", i, "key"],
    })),
    // Under `listed`, allow is inert: naming a key there and elsewhere contradicts nothing.
    ...(masking.mode === "allow_list" ? plain("allow") : []),
  ];
}

/**
 * The processor compares keys in canonical form, so `user_id` in one rule and `user.id` in another
 * are one key with two fates. Returns the rule of each canonical key, for the checks that follow.
 */
function lintOneRulePerKey({ report }: LintContext, named: readonly NamedKey[]): Map<string, KeyRule> {
  const first = new Map<string, NamedKey>();
  for (const entry of named) {
    const canonical = canonicalKey(entry.key);
    const earlier = first.get(canonical);
    if (!earlier) {
      first.set(canonical, entry);
      continue;
    }
    const same =
      earlier.key === entry.key ? "" : ` (\`${earlier.key}\`: keys match regardless of case, \`.\`, \`_\` and \`-\`)`;
    report(
      entry.path,
      "error",
      "duplicate-masking-key",
      `\`${entry.key}\` is listed again in masking.${entry.rule}; it is already in masking.${earlier.rule}${same}`,
      "name each attribute in one masking rule",
    );
  }
  return new Map([...first].map(([canonical, entry]) => [canonical, entry.rule]));
}

const hides = (rule: KeyRule | undefined): rule is "remove" | "pseudonymize" =>
  rule === "remove" || rule === "pseudonymize";

/** Attributes the description depends on elsewhere, which a masking rule would empty or hash. */
function lintWhatMaskingBreaks({ env, report }: LintContext, ruleOf: ReadonlyMap<string, KeyRule>): void {
  const { system, exporters } = env.pipeline;
  /** The rule that empties or hashes this key, if one does. */
  const hidingRule = (key: string) => {
    const rule = ruleOf.get(canonicalKey(key));
    return hides(rule) ? rule : undefined;
  };
  const flowRule = hidingRule(system.flow_attribute);
  if (flowRule) {
    report(
      ["system", "flow_attribute"],
      "error",
      "flow-attribute-masked",
      `the flow attribute \`${system.flow_attribute}\` is masked by masking.${flowRule}, so no trace could be matched to its flow`,
    );
  }
  // Both lists become metric labels, where a masked value is empty or one hash per user.
  const labels = [
    {
      list: "dimensions",
      code: "masked-dimension",
      message: (key: string, rule: string) =>
        `metric dimension \`${key}\` is masked by masking.${rule}; as a label it would be empty or a hash per user`,
      hint: "drop it from the dimensions",
    },
    {
      list: "resource_attributes",
      code: "masked-resource-attribute",
      message: (key: string, rule: string) =>
        `resource attribute \`${key}\` reaches the metrics, but masking.${rule} masks it; as a label it would be empty or a hash per user`,
      hint: "drop it from exporters.prometheus.resource_attributes",
    },
  ] as const;
  for (const { list, code, message, hint } of labels)
    exporters.prometheus[list].forEach((key, i) => {
      const rule = hidingRule(key);
      if (rule) report(["exporters", "prometheus", list, i], "error", code, message(key, rule), hint);
    });
}

function lintTwins({ report }: LintContext, named: readonly NamedKey[], ruleOf: ReadonlyMap<string, KeyRule>): void {
  for (const { key, rule, path } of named) {
    if (!hides(rule)) continue;
    for (const twin of SAME_VALUE_AS.get(canonicalKey(key)) ?? []) {
      if (hides(ruleOf.get(canonicalKey(twin)))) continue;
      report(
        path,
        "warning",
        "masking-twin-unmasked",
        `\`${key}\` is masked but \`${twin}\`, which carries the same value on a direct connection, is not`,
        `add ${twin} to masking.${rule}`,
      );
    }
  }
}

/** A key given without its kind that is not a well-known one: scrubbed by a guess per value. */
function lintScrubKinds({ env, report }: LintContext): void {
  scrubRules(env.pipeline.masking.scrub_queries).forEach((rule, i) => {
    if (!rule.inferred || rule.kind !== "auto") return;
    report(
      ["masking", "scrub_queries", i],
      "warning",
      "scrub-kind-ambiguous",
      `masking.scrub_queries does not say what \`${rule.key}\` holds and it is not a well-known key, so each value is scrubbed as a URL when it looks like one and as SQL otherwise`,
      `state the kind: \`- { key: ${rule.key}, kind: sql }\` (or url, query; auto to keep the guess)`,
    );
  });
}

function lintPatterns({ env, report }: LintContext): void {
  const { masking } = env.pipeline;
  const detectors = new Set<string>(masking.detect);
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
    if (detectors.has(name)) {
      report(
        ["masking", "redact_values", name],
        "error",
        "redact-name-taken",
        `redact_values.${name} has the name of the built-in detector \`${name}\`, which masking.detect turns on: both would write [REDACTED:${name}], and no one could tell which rule matched`,
        "drop the pattern if the detector covers it, or give it a name of its own",
        "key",
      );
    }
  }
}

function lintAllowList({ env, report }: LintContext): void {
  const { masking } = env.pipeline;
  if (masking.mode !== "allow_list") {
    if (masking.allow.length > 0)
      report(
        ["masking", "allow"],
        "warning",
        "allow-list-off",
        `masking.allow names ${masking.allow.length} attribute${masking.allow.length === 1 ? "" : "s"}, but masking.mode is \`listed\` in ${env.name}, so it has no effect: every attribute no rule names passes`,
        "set masking.mode: allow_list, or move masking.allow into the environments that use it",
        "key",
      );
    return;
  }
  if (masking.allow.length > 0) return;
  const message = `masking.mode is allow_list in ${env.name} but masking.allow is empty: only semantic-conventions attributes without free text and the keys the description names elsewhere pass, so every attribute of the system's own (order ids, business fields) is ${masking.otherwise === "remove" ? "removed" : "pseudonymized"}`;
  const hint =
    "name the attributes this system may keep in masking.allow (`tracegen fixtures dropped` lists what a recording would lose)";
  if (env.tier === "production") report(["masking", "mode"], "error", "allow-list-empty", message, hint);
  else report(["masking", "mode"], "warning", "allow-list-empty", message, hint);
}

function lintNumbers({ env, report }: LintContext): void {
  if (env.tier !== "production" || env.pipeline.masking.numbers) return;
  report(
    ["masking", "numbers"],
    "warning",
    "numbers-unmasked",
    `masking.numbers is false in ${env.name}: a card or phone number sent as an integer passes detectors and patterns unseen`,
    "remove `numbers: false` unless no number this system sends can be personal",
  );
}

function lintMetricsIdentity({ env, report }: LintContext): void {
  const kept = new Set(env.pipeline.exporters.prometheus.resource_attributes);
  const missing = METRICS_IDENTITY.filter((attribute) => !kept.has(attribute));
  if (missing.length === 0) return;
  report(
    ["exporters", "prometheus", "resource_attributes"],
    "warning",
    "metrics-identity-dropped",
    `exporters.prometheus.resource_attributes leaves out ${missing.map((m) => `\`${m}\``).join(" and ")}, which the Prometheus exporter turns into the job and instance labels: series of different services or processes would overwrite each other`,
    `add ${missing.join(", ")}`,
  );
}

/**
 * re2 is a native addon: required on the first pattern to check, so a description without custom
 * patterns (the shipped one) does not load it at all.
 */
let RE2: typeof RE2Type | undefined;

function re2Problem(pattern: string): string | undefined {
  RE2 ??= createRequire(import.meta.url)("re2") as typeof RE2Type;
  try {
    new RE2(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
