#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import { loadBundle } from "../dist/cli/code-cache.js";

const { exports: cli } = loadBundle(fileURLToPath(new URL("../dist/cli-bundle/tracegen.cjs", import.meta.url)));
process.exitCode = await cli.main(process.argv.slice(2));
