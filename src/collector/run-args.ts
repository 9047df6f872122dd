/**
 * Feature gates every run of otelcol-shop enables (the Containerfile's CMD passes the same ones).
 * `recordpolicy` makes the tail sampler write, on the scope of every span it keeps at decision
 * time, the name of the first policy that kept the trace: the answer to "why is this trace here".
 */
export const FEATURE_GATES = ["processor.tailsamplingprocessor.recordpolicy"] as const;

/** Prefix of the scope attributes the tail sampler adds to spans it keeps. */
export const SAMPLER_ANNOTATIONS = "tailsampling.";

/** The scope attribute that names the sampling policy which kept a trace. */
export const KEPT_BY_ATTRIBUTE = "tailsampling.policy";

export const collectorArgs = (configFile: string): string[] => [
  `--config=${configFile}`,
  `--feature-gates=${FEATURE_GATES.join(",")}`,
];
