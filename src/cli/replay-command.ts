import type { ReplayCliOptions } from "./replay-run.js";
import type { Command } from "commander";

export const DEFAULT_COLLECTOR = "build/otelcol-shop";

export function registerReplayCommand(program: Command): void {
  program
    .command("replay")
    .description(
      "replay OTLP fixtures through the real collector running an environment's config, and check what comes out",
    )
    .requiredOption("-e, --env <name>", "environment whose generated config runs")
    .requiredOption(
      "--fixtures <glob...>",
      "OTLP/JSON lines or OTLP protobuf files (quote globs: 'test/fixtures/*.jsonl')",
    )
    .option("-f, --file <path>", "pipeline description (YAML, or tracegen.config.ts)")
    .option("--collector <path>", "the otelcol-shop binary", process.env["TRACEGEN_COLLECTOR"] ?? DEFAULT_COLLECTOR)
    .option("--received <file>", "write what reached the sink as OTLP/JSON lines")
    .option("--json", "print the report as JSON")
    .option("--junit <file>", "write the checks as JUnit XML")
    .option("--html <file>", "write the report as one self-contained HTML page")
    .option("--speed <factor>", "fixture time per second of replay, or `max` to send as fast as possible", "1")
    .option("--decision-wait <duration>", "replace the config's tail-sampling decision_wait (the report says so)")
    .option("--protocol <grpc|http>", "how to send, when the receiver offers both (default: grpc)")
    .option("--confidence <share>", "confidence of the binomial tolerance on sampling shares", "0.999")
    .option(
      "--topology <single|two-tier>",
      "run one collector, or the environment's agents and samplers (default: as described)",
    )
    .option("--agents <n>", "agents to run under --topology two-tier (default: the description's topology.agents)")
    .option(
      "--samplers <n>",
      "samplers to run under --topology two-tier (default: the description's topology.samplers)",
    )
    .addHelpText(
      "after",
      `
The collector runs the environment's generated config with only its addresses and
secrets swapped: free ports on 127.0.0.1, a throwaway CA and certificates when the
environment uses TLS, a random bearer token when it asks for one, and an OTLP sink
where Jaeger would be. Fixture timestamps are moved to now, keeping their spacing.

Checks: leaks (every value planted in the fixtures, as their .planted.json manifest
lists, and every value sent under a removed or pseudonymized key, searched for in
every byte the trace store received, every number in it, the metrics and the
collector's log, in each form normalization gives it; removed keys, raw pseudonymized
values, redact_values matches and unscrubbed literals), integrity (spans whole: ids,
parents, times, kinds, status, events and links; text as sent or with parts masked;
pseudonyms the keyed HMAC of what was sent), sampling (errors and over-SLA traces
kept, each flow's share within a binomial tolerance, complete traces with late spans,
nothing twice, flow metrics counting every span).

Exit codes: 0 every check passed, 1 a check failed or the replay could not run,
2 usage error.

Examples:
  $ tracegen fixtures synth --seed 7 --traces 2000 --out build/synth.jsonl
  $ tracegen replay --env dev --fixtures build/synth.jsonl
  $ tracegen replay --env prod --fixtures 'recorded/*.pb' --decision-wait 2s --junit build/replay.xml
  $ tracegen replay --env dev --fixtures build/synth.jsonl --html build/replay.html
  $ tracegen replay -f examples/two-tier.tracing.yaml --env dev --fixtures build/synth.jsonl \
      --topology two-tier --agents 2 --samplers 3`,
    )
    .action(async (options: ReplayCliOptions) => {
      process.exitCode = await (await import("./replay-run.js")).runReplayCommand(options);
    });
}
