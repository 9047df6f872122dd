import { byPosition, hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { CollectorConfig } from "../collector/config.js";
import type { Distribution } from "../collector/manifest.js";
import { originOf } from "../collector/registry.js";
import { checkComponentConfigs, type ConfigProblem } from "../checks/generated/components.js";
import { checkPipelineGraph } from "../checks/generated/graph.js";
import { checkAgainstDistribution } from "../checks/generated/manifest.js";
import type { ArtifactCompiler } from "../compile/artifact.js";
import { compileAccess } from "../access/artifacts.js";
import { compileCollectorConfigs, type CollectorRole } from "../compile/index.js";
import { compileFlowHealth } from "../health/index.js";
import type { compileKubernetes } from "../deploy/kubernetes.js";
import { renderCollectorYaml, referencedEnvVars } from "../emit/render.js";
import type { OutputFile } from "../emit/write-atomically.js";
import { lintEnvironment } from "../checks/rules/index.js";
import { overlayLocator } from "../checks/rules/context.js";
import { resolveEnvironment, resolveTopology, type ResolvedEnvironment } from "../resolve/resolve.js";
import { Pipeline } from "../schema/description.js";
import { checkSchema, type Locator } from "../checks/schema/schema-check.js";
import { VERSION } from "../version.js";
import type { LoadedDescription } from "../load/description.js";

export interface GeneratedCollector {
  role: CollectorRole;
  config: CollectorConfig;
  /** The collector config's path, relative to the output directory. */
  path: string;
  content: string;
  envVars: string[];
}

/**
 * One environment's output. Its own config, path, content and envVars are those of the collector
 * services send to: the only one of a single topology, the agent of a two-tier one.
 */
export interface GeneratedEnvironment extends GeneratedCollector {
  env: ResolvedEnvironment;
  /** Every collector config of the environment: one, or the agent and the sampler. */
  collectors: GeneratedCollector[];
  /** Every file of the environment, the collector configs first. */
  files: OutputFile[];
}

const ARTIFACTS: readonly ArtifactCompiler[] = [compileFlowHealth, compileAccess];

export interface GenerateOptions {
  environments?: readonly string[];
  distribution?: { parts: Distribution; name: string };
  /** Writes the Kubernetes manifests of two-tier environments; without it they have none (see kubernetesFor). */
  kubernetes?: typeof compileKubernetes;
}

/**
 * The Kubernetes compiler when one of the environments has two tiers, else nothing: kubernetes-models and
 * the schema validation it brings take a third of a second to load, which no other build should pay.
 */
export async function kubernetesFor(
  loaded: LoadedDescription,
  environments: readonly string[] = Object.keys(loaded.description.environments),
): Promise<Pick<GenerateOptions, "kubernetes">> {
  const twoTier = environments.some((name) => resolveTopology(loaded.description, name).kind === "two-tier");
  return twoTier ? { kubernetes: (await import("../deploy/kubernetes.js")).compileKubernetes } : {};
}

export interface GenerateResult {
  /** Every finding once, in source order. */
  diagnostics: Diagnostic[];
  /** Each environment's own findings, base findings repeated in each (for per-environment reports). */
  environments: Array<{ name: string; diagnostics: Diagnostic[] }>;
  /** Empty when any environment failed: a build is all or nothing. */
  outputs: GeneratedEnvironment[];
}

export function generate(loaded: LoadedDescription, options: GenerateOptions = {}): GenerateResult {
  const names = options.environments ?? Object.keys(loaded.description.environments);
  const environments = names.map((name) => generateEnvironment(loaded, name, options));
  const unique = dedupe(environments.flatMap((e) => e.diagnostics)).sort(byPosition);
  const outputs = environments.flatMap((e) => (e.output ? [e.output] : []));
  return {
    diagnostics: unique,
    environments: environments.map(({ name, diagnostics }) => ({ name, diagnostics })),
    outputs: hasErrors(unique) ? [] : outputs,
  };
}

function generateEnvironment(
  loaded: LoadedDescription,
  name: string,
  options: GenerateOptions,
): { name: string; diagnostics: Diagnostic[]; output?: GeneratedEnvironment } {
  const { description, source, file } = loaded;
  const where = overlayLocator(source, file, name);
  const env = resolveEnvironment(description, name);
  const shapeProblems = checkSchema(where, env.pipeline, Pipeline);
  if (hasErrors(shapeProblems)) return { name, diagnostics: shapeProblems };
  const lint = lintEnvironment(source, file, env);
  const diagnostics = [...shapeProblems, ...lint];
  if (hasErrors(lint)) return { name, diagnostics };
  const compiled = compileCollectorConfigs(env);
  const problems: ConfigProblem[] = compiled.flatMap(({ config }) => [
    ...checkComponentConfigs(config),
    ...checkPipelineGraph(config),
    ...(options.distribution
      ? checkAgainstDistribution(config, options.distribution.parts, options.distribution.name)
      : []),
  ]);
  diagnostics.push(...generatedConfigDiagnostics(where, name, problems));
  if (problems.length > 0) return { name, diagnostics };
  const collectors = compiled.map(({ role, config }): GeneratedCollector => {
    const content = renderCollectorYaml(config, {
      source: file,
      sha256: loaded.sha256,
      version: VERSION,
      environment: role === "collector" ? name : `${name}, ${role} tier`,
    });
    return { role, config, path: `${name}/${role}.yaml`, content, envVars: referencedEnvVars(content) };
  });
  const entry = collectors[0] as GeneratedCollector;
  const [agent, sampler] = collectors;
  const manifests =
    agent?.role === "agent" && sampler && options.kubernetes ? options.kubernetes(env, { agent, sampler }) : [];
  const extra = [...ARTIFACTS.flatMap((compile) => compile(env, entry.config)), ...manifests].map((f) => ({
    ...f,
    path: `${name}/${f.path}`,
  }));
  const output: GeneratedEnvironment = {
    ...entry,
    env,
    collectors,
    files: [...collectors.map(({ path, content }) => ({ path, content })), ...extra],
  };
  return { name, diagnostics, output };
}

/** A problem of the generated config, pointed at the part of the description its component comes from. */
export function generatedConfigDiagnostics(
  where: Locator,
  environment: string,
  problems: readonly ConfigProblem[],
): Diagnostic[] {
  return problems.map((p) => ({
    ...where(originOf(p.at), "value"),
    severity: "error",
    code: `generated/${p.code}`,
    message: `in ${environment}: ${p.message}`,
  }));
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
