import { existsSync } from "node:fs";
import { loadDescriptionFile } from "../load/description.js";
import { resolveEnvironment, type ResolvedEnvironment } from "../resolve/resolve.js";

/** What the benchmark scripts start from: the reference description's prod and dev environments. */
export async function referenceEnvironments(): Promise<{ prod: ResolvedEnvironment; dev: ResolvedEnvironment }> {
  const loaded = await loadDescriptionFile("tracing.yaml");
  if (!loaded.ok) throw new Error("tracing.yaml does not load");
  const { description } = loaded.loaded;
  return { prod: resolveEnvironment(description, "prod"), dev: resolveEnvironment(description, "dev") };
}

/** Stops the script with the command that builds what is missing. */
export function requireBinaries(binaries: readonly string[], buildCommand: string): void {
  const missing = binaries.filter((b) => !existsSync(b));
  if (missing.length === 0) return;
  process.stderr.write(`${missing.join(", ")} missing: run \`${buildCommand}\` first\n`);
  process.exit(1);
}
