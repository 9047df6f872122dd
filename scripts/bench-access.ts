/*
 * npm run bench:access: what the trace access gateway adds to a query. The same queries go to Jaeger
 * directly (HTTP on loopback, as the gateway itself reaches it) and through the gateway (HTTPS, token
 * verified, views applied, an audit record committed to PostgreSQL per request), alternating one by
 * one in the same run against the same Jaeger, each over one keep-alive connection.
 *
 *   npm run bench:access -- [--requests 400]
 */
import http from "node:http";
import https from "node:https";
import { readFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { seedPartnerTraces } from "../shop/driver/partner-traces.js";
import { partnerToken, staffToken } from "../shop/driver/sign-in.js";
import { summarize } from "../shop/bench/stats.js";
import { TRACES_SCOPE } from "../shop/infra/identity-provider.js";
import { startJaeger } from "../shop/infra/jaeger.js";
import { startPostgres } from "../shop/infra/postgres.js";
import { AUDIENCE, startTraceAccess } from "../shop/infra/trace-access.js";
import * as OTPAuth from "otpauth";

const at = process.argv.indexOf("--requests");
const requests = at < 0 ? 400 : Number(process.argv[at + 1]);
if (!Number.isInteger(requests) || requests < 100) throw new Error("--requests must be a whole number of at least 100");
const WARMUP = 50;
const say = (line: string) => process.stdout.write(`${line}\n`);

const jaeger = await startJaeger();
const postgres = await startPostgres();
const access = await startTraceAccess({
  jaegerQueryUrl: jaeger.queryUrl,
  postgres,
  descriptionFile: resolve(fileURLToPath(import.meta.url), "../../tracing.yaml"),
  limits: {
    rate: 1e6,
    burst: 1e6,
    max_url_length: 4096,
    max_body: 16384,
    max_result: "8MiB",
    max_traces: 100,
    query_timeout: "10s",
    partner_lookup_time: "100ms",
  },
});
try {
  const traces = await seedPartnerTraces(jaeger);
  const ca = await readFile(access.caFile);
  const idp = { ...access.idp, ca };
  const sam = access.staff.find((u) => u.role === "support")!;
  const tokens = {
    support: await staffToken(
      idp,
      {
        login: sam.login,
        password: sam.password,
        otp: new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(sam.totpSecret!) }).generate(),
      },
      AUDIENCE,
    ),
    partner: await partnerToken(idp, access.partners[0]!, AUDIENCE, TRACES_SCOPE),
  };
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });

  /** Milliseconds from sending the request to the last byte of the answer; the status must be 200. */
  const timed = (url: string, token?: string): Promise<number> =>
    new Promise((done, fail) => {
      const started = performance.now();
      const client = url.startsWith("https:") ? https : http;
      const req = client.get(
        url,
        {
          agent: url.startsWith("https:") ? httpsAgent : httpAgent,
          headers: token ? { authorization: `Bearer ${token}` } : {},
        },
        (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode === 200 ? done(performance.now() - started) : fail(new Error(`${url}: ${res.statusCode}`)),
          );
        },
      );
      req.on("error", fail);
    });

  const queries = [
    { name: "trace by id", path: `/api/traces/${traces.a.traceId}` },
    { name: "search (3 traces)", path: "/api/traces?service=crm-api&lookback=1h&limit=20" },
    { name: "services", path: "/api/services" },
  ];
  const targets = [
    { name: "Jaeger directly", base: jaeger.queryUrl, token: undefined },
    { name: "gateway, support", base: access.gatewayUrl, token: tokens.support },
    { name: "gateway, partner A", base: access.gatewayUrl, token: tokens.partner },
  ];
  say(
    `${requests} requests per query and target, alternating, one keep-alive connection each (after ${WARMUP} warm-up)`,
  );
  say(`machine: ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at the start`);
  say(
    `${"query".padEnd(20)}${"target".padEnd(22)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"+p50 ms".padStart(10)}${"+p99 ms".padStart(10)}`,
  );
  for (const query of queries) {
    const samples = targets.map(() => [] as number[]);
    for (let i = 0; i < WARMUP + requests; i++)
      for (const [t, target] of targets.entries()) {
        const ms = await timed(`${target.base}${query.path}`, target.token);
        if (i >= WARMUP) samples[t]!.push(ms);
      }
    const stats = samples.map((s) => summarize(s, 1));
    const direct = stats[0]!;
    for (const [t, target] of targets.entries()) {
      const s = stats[t]!;
      const added = t === 0 ? ["", ""] : [(s.p50Ms - direct.p50Ms).toFixed(2), (s.p99Ms - direct.p99Ms).toFixed(2)];
      say(
        `${(t === 0 ? query.name : "").padEnd(20)}${target.name.padEnd(22)}${s.p50Ms.toFixed(2).padStart(9)}${s.p99Ms.toFixed(2).padStart(9)}${added[0]!.padStart(10)}${added[1]!.padStart(10)}`,
      );
    }
  }
  httpAgent.destroy();
  httpsAgent.destroy();
} finally {
  await access.stop();
  await postgres.stop();
  await jaeger.stop();
}
