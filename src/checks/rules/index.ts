import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { YamlSource } from "../../load/yaml-source.js";
import type { ResolvedEnvironment } from "../../resolve/resolve.js";
import { lintAccess } from "./access.js";
import { makeLintContext, type LintContext } from "./context.js";
import { lintEndpoints } from "./endpoints.js";
import { lintFlows } from "./flows.js";
import { lintGuardrails } from "./guardrails.js";
import { lintMasking } from "./masking.js";
import { lintSampling } from "./sampling.js";
import { lintTopology } from "./topology.js";

const RULES: ReadonlyArray<(context: LintContext) => void> = [
  lintFlows,
  lintMasking,
  lintSampling,
  lintEndpoints,
  lintGuardrails,
  lintAccess,
  lintTopology,
];

export function lintEnvironment(source: YamlSource | undefined, file: string, env: ResolvedEnvironment): Diagnostic[] {
  const out: Diagnostic[] = [];
  const context = makeLintContext(source, file, env, out);
  for (const rule of RULES) rule(context);
  return out;
}
