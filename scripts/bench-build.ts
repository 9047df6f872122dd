/**
 * Times `tracegen build` as whole processes (what a user or CI waits for): every environment of the
 * shipped description, and of a generated description 50 times larger, against the bare start-up of
 * `node` measured in the same run. The same builds from the bundle compiled without its code cache,
 * and through the unbundled modules of dist/cli, show what the cache and the bundle save. Every round runs each command once, in turn, so load from other work on the
 * machine falls on all of them alike; the load average is printed with the figures, and so is the CPU
 * time of each process (from Linux's /proc, in 10 ms ticks), which a loaded machine inflates less than
 * the wall time.
 *
 * Then it runs each build ten times in one process, to tell what V8 not yet having optimized the code
 * costs a single run from what the work itself costs.
 *
 *   npm run bench:build [-- --runs 15]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 11;
const work = mkdtempSync(join(tmpdir(), "tracegen-bench-"));

function scaled(factor: number): string {
  const base = parse(readFileSync("tracing.yaml", "utf8")) as {
    services: Record<string, unknown>;
    flows: Record<string, { path: string[] }>;
    environments: Record<string, { flows?: Record<string, unknown> }>;
    access?: { partners?: { entry_services?: string[] } };
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
  const partners = base.access?.partners;
  if (partners?.entry_services) partners.entry_services = partners.entry_services.map((s) => `${s}-0`);
  return stringify({ ...base, services, flows, environments });
}

const large = join(work, "large.tracing.yaml");
writeFileSync(large, scaled(50));
// The CLI as tsc compiled it, module by module, as bin/tracegen.js loaded it before the bundle.
const UNBUNDLED = [
  "--input-type=module",
  "-e",
  'import { main } from "./dist/cli/main.js"; process.exitCode = await main(process.argv.slice(1));',
];
// bin/tracegen.js, but with no cache file: V8 compiles the bundle from its source.
const UNCACHED = [
  "-e",
  'require("./dist/cli-bundle/load.cjs").loadBundle(require("node:path").resolve("dist/cli-bundle/tracegen.cjs"), null).exports.main(process.argv.slice(1)).then((code) => { process.exitCode = code; });',
];
const commands: Array<{ label: string; args: string[] }> = [
  { label: "node -e '' (baseline)", args: ["-e", ""] },
  { label: "tracegen build, tracing.yaml (3 envs)", args: ["bin/tracegen.js", "build", "--out", join(work, "ref")] },
  { label: "  the same, bundle without its code cache", args: [...UNCACHED, "build", "--out", join(work, "ref")] },
  { label: "  the same, unbundled dist/cli", args: [...UNBUNDLED, "build", "--out", join(work, "ref")] },
  {
    label: "tracegen build, 50x description (3 envs)",
    args: ["bin/tracegen.js", "build", "--file", large, "--out", join(work, "large")],
  },
  {
    label: "  the same, bundle without its code cache",
    args: [...UNCACHED, "build", "--file", large, "--out", join(work, "large")],
  },
  {
    label: "  the same, unbundled dist/cli",
    args: [...UNBUNDLED, "build", "--file", large, "--out", join(work, "large")],
  },
];

/** CPU time of the finished child processes so far: utime + stime of waited-for children, /proc/self/stat fields 16 and 17. */
function childrenCpuMs(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

const times = commands.map((): number[] => []);
const cpu = commands.map((): number[] => []);
const loadBefore = loadavg()[0]!;
for (let round = 0; round < runs; round++) {
  commands.forEach(({ args }, i) => {
    const [start, cpuBefore] = [process.hrtime.bigint(), childrenCpuMs()];
    execFileSync(process.execPath, args, { stdio: "ignore" });
    times[i]!.push(Number(process.hrtime.bigint() - start) / 1e6);
    cpu[i]!.push(childrenCpuMs() - cpuBefore);
  });
}
const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const medians = times.map(median);
const cpuMedians = cpu.map(median);

/*
 * The same build run again and again inside one process, timed around main(): the first run pays for
 * code V8 has only compiled, not yet optimized (as every whole-process build does); the later ones show
 * what the work itself costs once V8 has warmed up.
 */
const IN_PROCESS_RUNS = 10;
function inProcess(argv: string[]): { first: number; warm: number } {
  const result = join(work, "in-process.json");
  const script = `const { loadBundle } = require("./dist/cli-bundle/load.cjs");
const { exports: cli } = loadBundle(require("node:path").resolve("dist/cli-bundle/tracegen.cjs"));
(async () => {
  const ms = [];
  for (let i = 0; i < ${IN_PROCESS_RUNS}; i++) {
    const start = performance.now();
    await cli.main(${JSON.stringify(argv)});
    ms.push(performance.now() - start);
  }
  require("node:fs").writeFileSync(${JSON.stringify(result)}, JSON.stringify(ms));
})();`;
  execFileSync(process.execPath, ["-e", script], { stdio: "ignore" });
  const ms = JSON.parse(readFileSync(result, "utf8")) as number[];
  return { first: ms[0]!, warm: median(ms.slice(IN_PROCESS_RUNS / 2)) };
}
const inProcessRows = [
  { label: "tracing.yaml", ...inProcess(["build", "--out", join(work, "ref")]) },
  { label: "50x description", ...inProcess(["build", "--file", large, "--out", join(work, "large")]) },
];
rmSync(work, { recursive: true, force: true });

const [node, nodeCpu] = [medians[0]!, cpuMedians[0]!];
const row = (label: string, ms: number, cpuMs: number) =>
  `${label.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms ${(ms / node).toFixed(1).padStart(5)}x node   CPU ${cpuMs.toFixed(0).padStart(5)} ms ${(cpuMs / nodeCpu).toFixed(1).padStart(5)}x node`;
console.log(
  `median of ${runs} rounds, whole processes, run in turn; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`,
);
commands.forEach(({ label }, i) => console.log(row(label, medians[i]!, cpuMedians[i]!)));
console.log(
  `main() of one process, ${IN_PROCESS_RUNS} builds in a row: the first, and the median of the last ${IN_PROCESS_RUNS / 2}`,
);
for (const { label, first, warm } of inProcessRows)
  console.log(`${label.padEnd(44)} ${first.toFixed(0).padStart(6)} ms first ${warm.toFixed(0).padStart(6)} ms warm`);
