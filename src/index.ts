import type { Description } from "./schema/description.js";

export type { Description, Pipeline, Flow, Environment } from "./schema/description.js";
export { Description as DescriptionSchema } from "./schema/description.js";
export type { Diagnostic } from "./diagnostics/diagnostic.js";
export { loadDescriptionFile, loadDescriptionBytes, type LoadedDescription } from "./build/load.js";
export { generate, type GeneratedEnvironment, type GenerateResult } from "./build/generate.js";
export { resolveEnvironment, type ResolvedEnvironment } from "./resolve/resolve.js";
export { compileCollectorConfig } from "./compile/index.js";
export type { CollectorConfig } from "./collector/components.js";
export { explain, explainMermaid } from "./explain/explain.js";

/** Typed authoring for `tracegen.config.ts`: returns its argument, checked by the compiler. */
export const defineConfig = (description: Description): Description => description;
