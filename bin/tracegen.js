#!/usr/bin/env node
const { join } = require("node:path");
const { loadBundle } = require("../dist/cli-bundle/load.cjs");

const { exports: cli } = loadBundle(join(__dirname, "../dist/cli-bundle/tracegen.cjs"));
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
