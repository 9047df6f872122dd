import { loadDescriptionFile } from "../load/description.js";
import { generate, kubernetesFor, type GenerateResult } from "../orchestrate/generate.js";
import { basename, dirname } from "node:path";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { writeAtomically } from "../emit/write-atomically.js";
import { renderJunit, type JunitCase } from "./junit.js";
import { renderDiagnostics, summary, type Format } from "./render-diagnostics.js";
import { defaultDescriptionFile, loadDistribution, pickEnvironments } from "./options.js";

export interface GenerateOptions {
  file?: string;
  env?: string[];
  manifest?: string;
  format: Format;
  /** Commands that only use the configs (replay, synth) show errors alone: warnings belong to build and validate. */
  errorsOnly?: boolean;
  /** Also write the outcome as JUnit XML: a test case per environment. */
  junit?: string;
}

/**
 * Load, check and generate, printing every diagnostic on stderr. Returns the result when
 * nothing failed, or undefined when the description is invalid (the caller exits 1).
 */
export async function generateOrReport(
  options: GenerateOptions,
  failureNote = "",
): Promise<GenerateResult | undefined> {
  const color = process.stderr.isTTY ?? false;
  const print = (all: Parameters<typeof renderDiagnostics>[0]) => {
    const diagnostics = options.errorsOnly ? all.filter((d) => d.severity === "error") : all;
    if (diagnostics.length === 0) return;
    process.stderr.write(renderDiagnostics(diagnostics, options.format, color));
    if (options.format === "text" && hasErrors(diagnostics))
      process.stderr.write(`${summary(diagnostics)}${failureNote}\n`);
  };
  const loaded = await loadDescriptionFile(options.file ?? defaultDescriptionFile());
  if (!loaded.ok) {
    print(loaded.diagnostics);
    await writeJunit(options.junit, [{ name: "the description loads", failures: loaded.diagnostics }]);
    return undefined;
  }
  const environments = pickEnvironments(options.env, Object.keys(loaded.loaded.description.environments));
  const distribution = await loadDistribution(options.manifest);
  const result = generate(loaded.loaded, {
    environments,
    ...(distribution ? { distribution } : {}),
    ...(await kubernetesFor(loaded.loaded, environments)),
  });
  print(result.diagnostics);
  await writeJunit(
    options.junit,
    result.environments.map((e) => ({
      name: `environment ${e.name}: checks pass`,
      failures: e.diagnostics.filter((d) => d.severity === "error"),
    })),
  );
  return hasErrors(result.diagnostics) ? undefined : result;
}

async function writeJunit(path: string | undefined, cases: JunitCase[]): Promise<void> {
  if (path)
    await writeAtomically(dirname(path), [{ path: basename(path), content: renderJunit("tracegen checks", cases) }]);
}
