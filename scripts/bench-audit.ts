/**
 * The audit log's cost on a private PostgreSQL (fsync off, as in every run here): appends per second
 * one at a time (each waits for its commit, as a gateway request does when nothing else is in
 * flight), with 64 requests in flight (the store's writer batches them into one transaction), and
 * from two stores at once (two gateway processes contending for the advisory lock); then the time
 * `tracegen audit verify` takes for the whole chain, as a process, against the bare start-up of
 * `node` measured in the same run.
 *
 *   npm run bench:audit [-- --rows 20000]
 */
import { execFileSync } from "node:child_process";
import { openAuditStore, type AuditEvent, type AuditStore } from "../src/access/audit/store.js";
import { setUpAuditLog } from "../shop/infra/audit-log.js";
import { startPostgres } from "../shop/infra/postgres.js";

const rows = Number(process.argv[process.argv.indexOf("--rows") + 1]) || 20_000;

const event = (i: number): AuditEvent => ({
  at: new Date(),
  subject: `staff-${i % 40}`,
  role: "developer",
  partner: null,
  clientId: "jaeger-ui",
  action: "GET /api/traces",
  query: { service: "shop-api", operation: "POST /orders", limit: 20, lookback: "1h" },
  traceIds: Array.from(
    { length: 20 },
    (_, t) => `${i.toString(16).padStart(16, "0")}${t.toString(16).padStart(16, "0")}`,
  ),
  outcome: "allowed",
  status: 200,
  latencyMs: 14.2,
});

async function perSecond(count: number, inFlight: number, stores: AuditStore[]): Promise<number> {
  const started = process.hrtime.bigint();
  let next = 0;
  const lane = async (lane: number) => {
    for (let i = next++; i < count; i = next++) await stores[(lane + i) % stores.length]!.append(event(i));
  };
  await Promise.all(Array.from({ length: inFlight }, (_, i) => lane(i)));
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

function milliseconds(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const start = process.hrtime.bigint();
  execFileSync(command, args, { stdio: "ignore", env });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const postgres = await startPostgres();
try {
  await postgres.createDatabase("audit");
  // As deployed: the stores append as the gateway's role, verify reads as the operators'.
  const { writerUrl, readerUrl } = await setUpAuditLog(postgres, "audit");
  const [first, second] = [await openAuditStore(writerUrl), await openAuditStore(writerUrl)];
  const sequential = await perSecond(2_000, 1, [first!]);
  const batched = await perSecond(rows / 2, 64, [first!]);
  const twoStores = await perSecond(rows / 2 - 2_000, 64, [first!, second!]);
  await Promise.all([first!.close(), second!.close()]);
  const node = milliseconds(process.execPath, ["-e", ""]);
  const verify = milliseconds(process.execPath, ["bin/tracegen.js", "audit", "verify"], {
    ...process.env,
    TRACEGEN_AUDIT_DATABASE_URL: readerUrl,
  });
  const round = (n: number) => Math.round(n).toLocaleString("en");
  console.log(`appends, one at a time:        ${round(sequential)}/s`);
  console.log(`appends, 64 in flight:         ${round(batched)}/s (${(batched / sequential).toFixed(1)}x)`);
  console.log(`appends, 64 in flight, 2 stores: ${round(twoStores)}/s`);
  console.log(
    `tracegen audit verify, ${round(rows)} rows: ${round(verify)} ms (node start-up alone ${round(node)} ms)`,
  );
  console.log(`  = ${round((rows / (verify - node)) * 1000)} rows/s after start-up`);
} finally {
  await postgres.stop();
}
