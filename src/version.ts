import { createRequire } from "node:module";

// By the package's own name, so the answer does not depend on where the bundled CLI sits inside the package.
export const VERSION: string = (createRequire(import.meta.url)("tracegen/package.json") as { version: string }).version;
