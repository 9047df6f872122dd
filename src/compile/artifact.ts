import type { CollectorConfig } from "../collector/config.js";
import type { OutputFile } from "../emit/write-atomically.js";
import type { ResolvedEnvironment } from "../resolve/resolve.js";

/** Further files generated per environment from the same resolved description, beside the collector config. */
export type ArtifactCompiler = (env: ResolvedEnvironment, config: CollectorConfig) => OutputFile[];
