import { loadDescriptionFile } from "../build/load.js";
import { generate, type GenerateResult } from "../build/generate.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { renderDiagnostics, summary, type Format } from "./render-diagnostics.js";
import { defaultDescriptionFile, loadDistribution, pickEnvironments } from "./options.js";

export interface GenerateOptions {
  file?: string;
  env?: string[];
  manifest?: string;
  format: Format;
  /** Commands that only use the configs (replay, synth) show errors alone: warnings belong to build and validate. */
  errorsOnly?: boolean;
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
    return undefined;
  }
  const environments = pickEnvironments(options.env, Object.keys(loaded.loaded.description.environments));
  const distribution = await loadDistribution(options.manifest);
  const result = generate(loaded.loaded, { environments, ...(distribution ? { distribution } : {}) });
  print(result.diagnostics);
  return hasErrors(result.diagnostics) ? undefined : result;
}
