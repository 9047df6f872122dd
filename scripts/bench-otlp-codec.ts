/*
 * npm run bench:codec — what the OTLP protobuf codec costs the replay: the official definitions parsed
 * on first use, then the synthesized fixtures (tracing.yaml, seed 1, 2,000 traces, about 15k spans) encoded with
 * protobufjs and decoded by the hand-written decoder, median of BENCH_RUNS rounds (default 5), in one
 * process. Compare the spans/s with the replay's (npm run bench:replay): the codec runs in the harness,
 * beside the collector, on the same cores.
 */
import { loadDescriptionFile } from "../src/load/description.js";
import { synthModel } from "../src/traffic/synth/model.js";
import { synthesize } from "../src/traffic/synth/synth.js";
import { spanCount } from "../src/otlp/model.js";
import { OTLP_PROTO_VERSION, otlpTraceTypes } from "../src/otlp/otlp-proto.js";
import { decodeProtoRequest, encodeProtoRequest } from "../src/otlp/protobuf.js";
import { resolveEnvironment } from "../src/resolve/resolve.js";

const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const TRACES = Number(process.env["BENCH_TRACES"] ?? 2_000);

const loaded = await loadDescriptionFile("tracing.yaml");
if (!loaded.ok) throw new Error("tracing.yaml does not load");
const { description } = loaded.loaded;
const model = synthModel(Object.keys(description.environments).map((e) => resolveEnvironment(description, e)));
const { requests } = synthesize(model, { seed: 1, traces: TRACES, rate: 1000 });
const spans = spanCount(requests);

let started = performance.now();
otlpTraceTypes();
const loadMs = performance.now() - started;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const encodeMs: number[] = [];
const decodeMs: number[] = [];
let bytes = 0;
for (let run = 0; run < RUNS; run++) {
  started = performance.now();
  const encoded = requests.map(encodeProtoRequest);
  encodeMs.push(performance.now() - started);
  bytes = encoded.reduce((n, b) => n + b.length, 0);
  started = performance.now();
  for (const b of encoded) decodeProtoRequest(b);
  decodeMs.push(performance.now() - started);
}

const rate = (ms: number) => Math.round(spans / (ms / 1000)).toLocaleString("en-US");
const mibs = (ms: number) => (bytes / 1048576 / (ms / 1000)).toFixed(1);
console.log(
  `OTLP codec bench: ${requests.length} requests, ${spans} spans, ${(bytes / 1048576).toFixed(1)} MiB of protobuf (synthetic, seed 1); median of ${RUNS} rounds`,
);
console.log(`opentelemetry-proto ${OTLP_PROTO_VERSION} definitions parsed on first use: ${loadMs.toFixed(0)} ms`);
console.log(
  `encode (protobufjs, official definitions)   ${rate(median(encodeMs)).padStart(10)} spans/s   ${mibs(median(encodeMs))} MiB/s`,
);
console.log(
  `decode (hand-written, with byte offsets)    ${rate(median(decodeMs)).padStart(10)} spans/s   ${mibs(median(decodeMs))} MiB/s`,
);
