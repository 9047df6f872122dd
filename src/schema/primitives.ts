import { Type, type SchemaOptions, type TSchema } from "@sinclair/typebox";

/**
 * `x-expect` carries the human phrase used when a value fails its pattern, so
 * diagnostics can say "expected a duration like 30s" instead of echoing a regex.
 */
interface Expectation {
  "x-expect": string;
}

const expect = (phrase: string, description: string): SchemaOptions & Expectation => ({
  "x-expect": phrase,
  description,
});

export const ENV_REF = String.raw`\$\{env:[A-Za-z_][A-Za-z0-9_]*\}`;

export const Duration = Type.String({
  pattern: String.raw`^[0-9]+(\.[0-9]+)?(ms|s|m|h)$`,
  ...expect("a duration like 250ms, 30s, 2m or 1h", "A duration: a number followed by ms, s, m or h."),
});

export const Percentage = Type.String({
  pattern: String.raw`^[0-9]+(\.[0-9]+)?%$`,
  ...expect("a percentage like 25% or 0.5%", "A share between 0% and 100%."),
});

export const Endpoint = Type.String({
  pattern: String.raw`^(${ENV_REF}|(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):[0-9]{1,5})$`,
  ...expect(
    "host:port (for example localhost:4317 or 0.0.0.0:4317) or ${env:VAR}",
    "A host:port address, or an ${env:VAR} reference resolved by the collector at start-up.",
  ),
});

export const HostPort = Type.String({
  pattern: String.raw`^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$`,
  ...expect("host:port, for example localhost:8888", "A host:port address."),
});

export const FilePath = Type.String({
  pattern: String.raw`^(/[^\s]*|${ENV_REF})$`,
  ...expect(
    "an absolute file path or ${env:VAR}",
    "An absolute path read by the collector, or an ${env:VAR} reference. Never the secret itself.",
  ),
});

export const SecretRef = Type.String({
  pattern: String.raw`^${ENV_REF}$`,
  ...expect(
    "an ${env:VAR} reference (the secret itself never belongs in the description)",
    "An ${env:VAR} reference to a secret held in the collector's environment.",
  ),
});

export const Name = Type.String({
  pattern: "^[a-z0-9][a-z0-9-]*$",
  ...expect("a lower-case name of letters, digits and dashes", "A name: lower-case letters, digits and dashes."),
});

export const RuleName = Type.String({
  pattern: "^[a-z0-9][a-z0-9_-]*$",
  ...expect("a lower-case name of letters, digits, dashes and underscores", "A rule name."),
});

export const AttributeKey = Type.String({
  pattern: String.raw`^[A-Za-z_][A-Za-z0-9_.\-]*$`,
  ...expect("an attribute key like user.email", "An OpenTelemetry attribute key."),
});

/** Whole mebibytes: gRPC counts its message limit in MiB, so one value serves both protocols exactly. */
export const Mebibytes = Type.String({
  pattern: "^[1-9][0-9]*MiB$",
  ...expect("a size in whole mebibytes like 2MiB", "A size in whole mebibytes (MiB, 1048576 bytes)."),
});

export const Pattern = Type.String({
  minLength: 1,
  ...expect(
    "a regular expression in RE2 syntax",
    "A regular expression in RE2 syntax (Go's regexp): no lookaround, no backreferences.",
  ),
});

/** A primitive with a default or a more specific description, keeping its pattern and type. */
export const refine = <T extends TSchema>(schema: T, options: SchemaOptions): T => ({ ...schema, ...options });
