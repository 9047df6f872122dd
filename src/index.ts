import type { Description } from "./schema/description.js";

export type { Description, Pipeline, Flow, Environment } from "./schema/description.js";
export { Description as DescriptionSchema } from "./schema/description.js";
export type { Diagnostic } from "./diagnostics/diagnostic.js";
export { loadDescriptionFile, loadDescriptionBytes, type LoadedDescription } from "./load/description.js";
export { generate, type GeneratedEnvironment, type GenerateResult } from "./orchestrate/generate.js";
export { resolveEnvironment, type ResolvedEnvironment } from "./resolve/resolve.js";
export { compileCollectorConfig } from "./compile/index.js";
export type { CollectorConfig } from "./collector/config.js";
export { explain, explainMermaid } from "./explain/explain.js";

/** Typed authoring for `tracegen.config.ts`: returns its argument, checked by the compiler. */
export const defineConfig = (description: Description): Description => description;
