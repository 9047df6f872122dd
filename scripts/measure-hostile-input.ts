/*
 * npm run measure:hostile — what hostile OTLP requests do to the real otelcol-shop running the
 * dev environment of tracing.yaml (masking, span metrics, tail sampling, export to a sink), each
 * case on a fresh collector:
 *
 *   nesting     one attribute nesting arrays (or key-value lists) N levels deep, the request that
 *               costs the collector's decoder the most stack per byte, over HTTP and gRPC; then the
 *               depth at which the collector dies, found by bisection
 *   bombs       a small gzip body that inflates to 1 GiB, over HTTP
 *   at the limit  with the generated request limit: the deepest nesting and the most attributes it
 *               admits, the deepest nesting sent HOSTILE_CONCURRENT times at once and left idle to see
 *               when the memory comes back, and requests just over the limit
 *   handshakes  failed TLS handshakes on the prod config's OTLP/HTTP port, and the log lines they
 *               cost, with the generated log sampling and with the collector's default
 *
 * For each: bytes on the wire, the answer, peak RSS growth (VmHWM minus RSS when ready), RSS growth
 * 5 s later, and whether the process survived. Outside "at the limit" the request limit is lifted to
 * 64MiB so that the collector's own behaviour shows, not ours.
 *
 *   HOSTILE_SETTLE_S    how long to wait, idle, for the memory to come back (default 420)
 *   HOSTILE_CONCURRENT  requests sent at once (default 4)
 */
import { gzipSync } from "node:zlib";
import {
  deeplyNestedRequest,
  deepestNestingWithin,
  manyAttributesRequest,
  mostAttributesWithin,
  type Nesting,
} from "../src/otlp/hostile-requests.js";
import { sleep } from "../src/process/child.js";
import { OtlpReceiver } from "../src/schema/description.js";
import { mebibytes } from "../src/schema/units.js";
import { memoryOf, startGeneratedCollector } from "../test/helpers/generated-collector.js";
import { failHandshakes } from "../test/helpers/handshake-flood.js";
import { exportOtlpGrpc, postOtlpHttp, type Answer } from "../test/helpers/otlp-raw.js";

const MIB = 1024 * 1024;
const LIFTED = "64MiB";
const GENERATED = OtlpReceiver.properties.max_request_size.default as string;
const SETTLE_S = Number(process.env["HOSTILE_SETTLE_S"] ?? 420);
const CONCURRENT = Number(process.env["HOSTILE_CONCURRENT"] ?? 4);
/** Memory counts as given back within this much of where it was when the collector was ready. */
const SETTLED = 32 * MIB;

type Protocol = "http" | "grpc";

interface Case {
  label: string;
  limit: string;
  protocol: Protocol;
  bodies: () => Uint8Array[];
  headers?: Record<string, string>;
  /** Wait, idle, for the memory to come back. */
  settle?: boolean;
}

async function measure(c: Case): Promise<boolean> {
  const running = await startGeneratedCollector("dev", (p) => {
    p.receivers.otlp.max_request_size = c.limit;
  });
  const { pid } = running.collector;
  const alive = () => {
    try {
      return memoryOf(pid);
    } catch {
      return undefined;
    }
  };
  try {
    await sleep(2000); // start-up allocations settle
    const ready = memoryOf(pid).resident;
    const bodies = c.bodies();
    const send = (body: Uint8Array): Promise<Answer> =>
      c.protocol === "http"
        ? postOtlpHttp(running.addresses.http!, body, c.headers)
        : exportOtlpGrpc(running.addresses.grpc!, body);
    const answers = await Promise.all(bodies.map(send));
    await sleep(5000);
    const after = alive();
    let settled = "";
    if (c.settle && after) {
      const started = Date.now();
      while (Date.now() - started < SETTLE_S * 1000 && memoryOf(pid).resident - ready > SETTLED) await sleep(1000);
      const seconds = Math.round((Date.now() - started) / 1000) + 5;
      const left = memoryOf(pid).resident - ready;
      settled =
        left <= SETTLED ? `back within ${mib(SETTLED)} after ${seconds} s` : `still +${mib(left)} after ${seconds} s`;
    }
    const said = [
      ...new Set(
        answers.map((a) => (/^(200|OK)$/.test(a.status) ? a.status : `${a.status} ${a.message.slice(0, 70)}`)),
      ),
    ];
    console.log(
      [
        c.label.padEnd(46),
        `${(bodies[0]!.length / MIB).toFixed(2)} MiB`.padStart(10),
        (after ? "survived" : "DIED").padEnd(8),
        `peak +${after ? mib(after.peak - ready) : "-"}`.padEnd(14),
        `5 s later +${after ? mib(after.resident - ready) : "-"}`.padEnd(19),
        said.join(", "),
        settled,
      ].join("  "),
    );
    return after !== undefined;
  } finally {
    await running.stop();
  }
}

const mib = (bytes: number): string => `${Math.round(bytes / MIB)} MiB`;
const now = () => BigInt(Date.now()) * 1_000_000n;
const nested = (depth: number, nesting: Nesting) => () => [deeplyNestedRequest(depth, nesting, now())];

async function main(): Promise<void> {
  console.log(`nesting, request limit lifted to ${LIFTED}`);
  for (const [protocol, nesting, depths] of [
    ["http", "array", [100_000, 250_000, 500_000, 1_000_000, 1_500_000]],
    ["http", "kvlist", [100_000, 250_000, 500_000, 1_000_000]],
    ["grpc", "array", [100_000, 500_000, 1_000_000, 1_500_000]],
  ] as const)
    for (const depth of depths)
      await measure({
        label: `${protocol} ${nesting} ${depth} deep`,
        limit: LIFTED,
        protocol,
        bodies: nested(depth, nesting),
      });

  // Bisection between a depth that survives and one that kills, to 1% of the depth.
  let [low, high] = [1_000_000, 1_500_000];
  while (high - low > low / 100) {
    const mid = Math.round((low + high) / 2);
    const survived = await measure({
      label: `  http array ${mid} deep`,
      limit: LIFTED,
      protocol: "http",
      bodies: nested(mid, "array"),
    });
    if (survived) low = mid;
    else high = mid;
  }
  console.log(
    `HTTP, arrays: survives ${low} levels (${(deeplyNestedRequest(low, "array", 0n).length / MIB).toFixed(2)} MiB), dies at ${high}`,
  );

  console.log("\ncompression bomb: 1 GiB of zeros, gzipped");
  const bomb = gzipSync(Buffer.alloc(1024 * MIB), { level: 9 });
  const gzip = { "content-encoding": "gzip" };
  for (const limit of [LIFTED, GENERATED])
    await measure({
      label: `http gzip bomb, limit ${limit}`,
      limit,
      protocol: "http",
      bodies: () => [bomb],
      headers: gzip,
    });

  const limitBytes = mebibytes(GENERATED) * MIB;
  console.log(`\nat the generated limit, ${GENERATED}`);
  for (const nesting of ["array", "kvlist"] as const)
    for (const protocol of ["http", "grpc"] as const) {
      const depth = deepestNestingWithin(limitBytes, nesting);
      await measure({
        label: `${protocol} ${nesting} ${depth} deep`,
        limit: GENERATED,
        protocol,
        bodies: nested(depth, nesting),
      });
    }
  const count = mostAttributesWithin(limitBytes);
  await measure({
    label: `http ${count} empty attributes`,
    limit: GENERATED,
    protocol: "http",
    bodies: () => [manyAttributesRequest(count, now())],
  });
  const depth = deepestNestingWithin(limitBytes, "array");
  await measure({
    label: `http array ${depth} deep, ${CONCURRENT} at once, then idle`,
    limit: GENERATED,
    protocol: "http",
    bodies: () => Array.from({ length: CONCURRENT }, () => deeplyNestedRequest(depth, "array", now())),
    settle: true,
  });
  for (const protocol of ["http", "grpc"] as const)
    await measure({
      label: `${protocol} array ${depth + 1} deep (over the limit)`,
      limit: GENERATED,
      protocol,
      bodies: nested(depth + 1, "array"),
    });
}

async function handshakes(): Promise<void> {
  console.log("\nfailed TLS handshakes on the prod config's OTLP/HTTP port");
  for (const sampled of [false, true])
    for (const count of [500, 6000, 20000]) {
      const running = await startGeneratedCollector(
        "prod",
        () => undefined,
        (config) => {
          if (!sampled) delete config.service.telemetry.logs.sampling;
        },
      );
      try {
        const started = Date.now();
        await failHandshakes(running.addresses.http!, count);
        const seconds = (Date.now() - started) / 1000;
        await sleep(1000);
        const lines = running.log().filter((line) => line.includes("TLS handshake error"));
        const bytes = lines.reduce((sum, line) => sum + line.length + 1, 0);
        console.log(
          `${sampled ? "generated sampling" : "collector default"}`.padEnd(20),
          `${count} handshakes in ${seconds.toFixed(1)} s`.padEnd(28),
          `${lines.length} lines, ${(bytes / 1024).toFixed(0)} KiB`,
        );
      } finally {
        await running.stop();
      }
    }
}

await main();
await handshakes();
