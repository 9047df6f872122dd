/**
 * Times `tracegen build` as whole processes (what a user or CI waits for): every environment of the
 * shipped description, and of a generated description 50 times larger, against the bare start-up of
 * `node` measured in the same run.
 *
 *   npm run bench:build [-- --runs 15]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 11;
const work = mkdtempSync(join(tmpdir(), "tracegen-bench-"));

function scaled(factor: number): string {
  const base = parse(readFileSync("tracing.yaml", "utf8")) as {
    services: Record<string, unknown>;
    flows: Record<string, { path: string[] }>;
    environments: Record<string, { flows?: Record<string, unknown> }>;
  };
  const services: Record<string, unknown> = {};
  const flows: Record<string, unknown> = {};
  for (let i = 0; i < factor; i++) {
    for (const [name, service] of Object.entries(base.services)) services[`${name}-${i}`] = service;
    for (const [name, flow] of Object.entries(base.flows))
      flows[`${name}-${i}`] = { ...flow, path: flow.path.map((s) => `${s}-${i}`) };
  }
  const environments = Object.fromEntries(
    Object.entries(base.environments).map(([name, env]) => {
      const { flows: _flows, ...rest } = env;
      return [name, rest];
    }),
  );
  return stringify({ ...base, services, flows, environments });
}

function median(command: string, args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    execFileSync(command, args, { stdio: "ignore" });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? NaN;
}

const large = join(work, "large.tracing.yaml");
writeFileSync(large, scaled(50));
const node = median(process.execPath, ["-e", ""]);
const reference = median(process.execPath, ["bin/tracegen.js", "build", "--out", join(work, "ref")]);
const big = median(process.execPath, ["bin/tracegen.js", "build", "--file", large, "--out", join(work, "large")]);
rmSync(work, { recursive: true, force: true });

const row = (label: string, ms: number) =>
  `${label.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms   ${(ms / node).toFixed(1).padStart(5)}x node`;
console.log(`median of ${runs} runs, whole processes`);
console.log(row("node -e '' (baseline)", node));
console.log(row("tracegen build, tracing.yaml (3 envs)", reference));
console.log(row("tracegen build, 50x description (3 envs)", big));
