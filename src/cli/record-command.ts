import type { RecordCliOptions } from "./record-run.js";
import type { Command } from "commander";

export function registerRecordCommand(program: Command): void {
  program
    .command("record")
    .description("record the OTLP traces services send, as a fixture for `tracegen replay`")
    .requiredOption("-o, --out <file>", "fixture to write: OTLP/JSON lines (.jsonl) or protobuf (.pb)")
    .option("--duration <duration>", "stop after this long, e.g. 30s or 5m (default: at Ctrl-C)")
    .option("--spans <n>", "stop once this many spans have arrived")
    .addHelpText(
      "after",
      `
Listens for OTLP/gRPC and OTLP/HTTP on free ports of 127.0.0.1 and prints both; point the
services' exporters there (OTEL_EXPORTER_OTLP_ENDPOINT=http://<grpc address> for the
tracegen kit). Stops at Ctrl-C, after --duration or once --spans spans arrived, whichever
comes first, and writes every request in arrival order; the file is replaced atomically.
Nothing is masked: the recording holds whatever the services sent.

Exit codes: 0 recorded and written, 1 nothing arrived (no file written), 2 usage error.

Examples:
  $ tracegen record --out recorded/shop.jsonl --duration 2m
  $ tracegen replay --env dev --fixtures recorded/shop.jsonl`,
    )
    .action(async (options: RecordCliOptions) => {
      process.exitCode = await (await import("./record-run.js")).runRecordCommand(options);
    });
}
