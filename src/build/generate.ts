import { byPosition, hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { CollectorConfig } from "../collector/components.js";
import type { Distribution } from "../collector/manifest.js";
import { checkComponentConfigs, type ConfigProblem } from "../check/components.js";
import { checkPipelineGraph } from "../check/graph.js";
import { checkAgainstDistribution } from "../check/manifest.js";
import { compileCollectorConfig } from "../compile/index.js";
import { compileFlowHealth } from "../health/index.js";
import { renderCollectorYaml, referencedEnvVars } from "../emit/render.js";
import type { OutputFile } from "../emit/write-atomically.js";
import { lintEnvironment } from "../lint/index.js";
import { overlayLocator } from "../lint/context.js";
import { resolveEnvironment, type ResolvedEnvironment } from "../resolve/resolve.js";
import { Pipeline } from "../schema/description.js";
import { checkSchema } from "../validate/schema-check.js";
import { VERSION } from "../version.js";
import type { LoadedDescription } from "./load.js";

export interface GeneratedEnvironment {
  env: ResolvedEnvironment;
  config: CollectorConfig;
  /** The collector config's path, relative to the output directory. */
  path: string;
  content: string;
  envVars: string[];
  /** Every file of the environment, the collector config first. */
  files: OutputFile[];
}

/** Further files generated per environment from the same resolved description. */
export type ArtifactCompiler = (env: ResolvedEnvironment, config: CollectorConfig) => OutputFile[];
const ARTIFACTS: readonly ArtifactCompiler[] = [compileFlowHealth];

export interface GenerateOptions {
  environments?: readonly string[];
  distribution?: { parts: Distribution; name: string };
}

export interface GenerateResult {
  diagnostics: Diagnostic[];
  /** Empty when any environment failed: a build is all or nothing. */
  outputs: GeneratedEnvironment[];
}

/** Where a problem in a generated component comes from in the description. */
const ORIGIN: Array<[RegExp, readonly string[]]> = [
  [/^extensions\.(bearertokenauth|oidc)/, ["receivers", "otlp", "auth"]],
  [/^extensions\./, ["telemetry"]],
  [/^receivers\./, ["receivers", "otlp"]],
  [/^processors\.masking/, ["masking"]],
  [/^processors\.tail_sampling/, ["sampling"]],
  [/^(connectors\.spanmetrics|exporters\.prometheus)/, ["exporters", "prometheus"]],
  [/^exporters\.debug/, ["exporters", "debug"]],
  [/^exporters\./, ["exporters", "jaeger"]],
];

export function generate(loaded: LoadedDescription, options: GenerateOptions = {}): GenerateResult {
  const { description, source, file } = loaded;
  const names = options.environments ?? Object.keys(description.environments);
  const diagnostics: Diagnostic[] = [];
  const outputs: GeneratedEnvironment[] = [];
  for (const name of names) {
    const where = overlayLocator(source, file, name);
    const env = resolveEnvironment(description, name);
    const shapeProblems = checkSchema(where, env.pipeline, Pipeline);
    diagnostics.push(...shapeProblems);
    if (hasErrors(shapeProblems)) continue;
    const lint = lintEnvironment(source, file, env);
    diagnostics.push(...lint);
    if (hasErrors(lint)) continue;
    const config = compileCollectorConfig(env);
    const problems: ConfigProblem[] = [
      ...checkComponentConfigs(config),
      ...checkPipelineGraph(config),
      ...(options.distribution
        ? checkAgainstDistribution(config, options.distribution.parts, options.distribution.name)
        : []),
    ];
    for (const p of problems) {
      const origin = ORIGIN.find(([pattern]) => pattern.test(p.at))?.[1] ?? [];
      diagnostics.push({
        ...where(origin, "value"),
        severity: "error",
        code: `generated/${p.code}`,
        message: `in ${name}: ${p.message}`,
      });
    }
    if (problems.length > 0) continue;
    const content = renderCollectorYaml(config, {
      source: file,
      sha256: loaded.sha256,
      version: VERSION,
      environment: name,
    });
    const path = `${name}/collector.yaml`;
    const extra = ARTIFACTS.flatMap((compile) => compile(env, config)).map((f) => ({
      ...f,
      path: `${name}/${f.path}`,
    }));
    outputs.push({
      env,
      config,
      path,
      content,
      envVars: referencedEnvVars(content),
      files: [{ path, content }, ...extra],
    });
  }
  const unique = dedupe(diagnostics).sort(byPosition);
  return { diagnostics: unique, outputs: hasErrors(unique) ? [] : outputs };
}

/** The base is shared by every environment: its findings are reported once, not once per environment. */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file}:${d.line}:${d.col}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
