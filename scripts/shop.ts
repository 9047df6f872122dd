/*
 * npm run shop: the reference shop, running. Starts PostgreSQL, RabbitMQ, Jaeger, otelcol-shop with
 * the dev config and the five services, drives orders through the four flows (with the injected
 * faults) and one order from each of two partners, starts the identity provider and the trace access
 * gateway, prints where to look in Jaeger and how to sign in as each role, and keeps everything up
 * until Ctrl-C.
 *
 *   npm run shop              run until Ctrl-C
 *   npm run shop -- --once    drive the orders, print the links, stop
 *   npm run shop -- --verbose also print every service's log lines
 *   npm run shop -- --record FILE
 *                             no Jaeger, no collector: the services send to `tracegen record`'s
 *                             endpoint and their raw spans for the scenario are written to FILE
 */
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { startRecorder } from "../src/cli/record-run.js";
import { writeFixtureFile } from "../src/traffic/write.js";
import { spanCount } from "../src/otlp/model.js";
import { launchStoreBrowser } from "../shop/driver/browser.js";
import { searchTraces, searchUrl, traceUrl } from "../shop/driver/jaeger.js";
import { stlModel, uploadOrder } from "../shop/driver/orders.js";
import { runScenario, type ScenarioOrder } from "../shop/driver/scenario.js";
import { CollectorFailure } from "../src/collector/runtime/process.js";
import { StartFailure } from "../src/process/child.js";
import { startServices } from "../shop/infra/services.js";
import { startBackends, startShop, type Shop } from "../shop/infra/stack.js";
import { startTraceAccess, type TraceAccess } from "../shop/infra/trace-access.js";

const FLOWS: ReadonlyArray<[flow: string, rootService: string]> = [
  ["order-upload", "shop-api"],
  ["order-costing", "3d-storage"],
  ["order-confirmation", "mes-api"],
  ["order-execution", "mes"],
];

const argv = process.argv.slice(2);
const args = new Set(argv);
const once = args.has("--once");
const verbose = args.has("--verbose");
const recordTo = args.has("--record") ? argv[argv.indexOf("--record") + 1] : undefined;
const say = (line: string) => process.stdout.write(`${line}\n`);

let shop: Shop | undefined;
let access: TraceAccess | undefined;
let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say("\nstopping the shop...");
    await access?.stop();
    await shop?.stop();
  }
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

if (args.has("--record")) {
  if (recordTo === undefined || recordTo.startsWith("--")) {
    say("usage: npm run shop -- --record FILE");
    process.exit(2);
  }
  await record(recordTo).then(
    () => process.exit(0),
    (error: Error) => {
      say(`shop: ${error.message}`);
      process.exit(1);
    },
  );
}

try {
  say("starting PostgreSQL, RabbitMQ, Jaeger, otelcol-shop and the five services...");
  const partnerKeys = { A: randomBytes(16).toString("hex"), B: randomBytes(16).toString("hex") };
  shop = await startShop({
    partnerKeys,
    log: (line) => say(`  ${line}`),
    ...(verbose && { onLine: (service: string, line: string) => say(`  [${service}] ${line}`) }),
  });
  say(`ready in ${((shop.timings.total ?? 0) / 1000).toFixed(1)} s (${describeTimings(shop.timings)})`);
  say("\ndriving orders through the four flows...");
  const orders = await runScenario(
    { shopApi: shop.services.urls.shopApi, mesApi: shop.services.urls.mesApi, shopDbUrl: shop.shopDbUrl },
    (line) => say(`  ${line}`),
  );
  const fromBrowser = await uploadFromStorePage(shop.services.urls.shopApi);
  for (const [partner, key] of Object.entries(partnerKeys)) {
    const { orderId } = await uploadOrder(shop.services.urls.shopApi, {
      fileName: `partner-${partner}.stl`,
      content: stlModel(20),
      partnerKey: key,
    });
    say(`  ${orderId}  uploaded by partner ${partner}'s system with its API key`);
  }
  say("\nstarting the identity provider and the trace access gateway...");
  access = await startTraceAccess({
    jaegerQueryUrl: shop.jaeger.queryUrl,
    postgres: shop.postgres,
    auditDatabase: "shop",
    descriptionFile: "tracing.yaml",
  });
  say("\nwaiting for the collector's sampling decisions (decision_wait of the dev config)...");
  await printLinks(shop, orders);
  if (fromBrowser)
    say(`\nthe store page's upload (${fromBrowser.orderId}): ${traceUrl(shop.jaeger.queryUrl, fromBrowser.traceId)}`);
  say(`\nstore page: ${shop.services.urls.shopApi}/`);
  say(`Jaeger UI:  ${shop.jaeger.queryUrl}/  (and its HTTP API: ${shop.jaeger.queryUrl}/api/traces/<trace id>)`);
  // The Jaeger built from its Go module has no UI assets compiled in (they come from the jaeger-ui
  // project's own build); its query API is complete, and the links above open with any Jaeger UI.
  if (await servesPlaceholderUi(shop.jaeger.queryUrl))
    say(
      "            this Jaeger binary serves a placeholder page instead of the UI; the trace JSON is at the API address",
    );
  printSignIn(access);
  if (once) await stop(0);
  say("\nthe shop keeps running; upload from the store page and watch the traces. Ctrl-C stops everything.");
} catch (error) {
  say(
    `\nshop: ${error instanceof StartFailure || error instanceof CollectorFailure ? error.message : (error as Error).stack}`,
  );
  await stop(1);
}

/** The scenario's raw spans, as the services send them (personal data included), for replay fixtures. */
async function record(file: string): Promise<void> {
  const backends = await startBackends((line) => say(`  ${line}`));
  const recorder = await startRecorder();
  try {
    say(`recording the services' spans on ${recorder.grpc} (gRPC) and ${recorder.http} (HTTP)`);
    const services = await startServices({
      amqpUrl: backends.rabbit.url,
      shopDbUrl: backends.shopDbUrl,
      mesDbUrl: backends.mesDbUrl,
      otlpGrpc: recorder.grpc,
      otlpHttp: recorder.http,
    });
    try {
      await runScenario(
        { shopApi: services.urls.shopApi, mesApi: services.urls.mesApi, shopDbUrl: backends.shopDbUrl },
        (line) => say(`  ${line}`),
      );
      // Dead letters and the last consumers finish after the driver is done: wait for the spans to stop coming.
      while (recorder.quietFor() < 2000) await delay(200);
    } finally {
      await services.stop();
    }
    const requests = await recorder.stop();
    await writeFixtureFile(file, requests);
    say(`wrote ${requests.length} requests, ${spanCount(requests)} spans to ${file}`);
  } finally {
    await backends.stop();
  }
}

/** One upload the way a customer makes it, so the upload flow starts in the browser; skipped without Chromium. */
async function uploadFromStorePage(shopApi: string): Promise<{ orderId: string; traceId: string } | undefined> {
  try {
    const browser = await launchStoreBrowser();
    try {
      const upload = await browser.upload(`${shopApi}/`, {
        name: "bracket.stl",
        mimeType: "model/stl",
        content: stlModel(50),
      });
      say(`  ${upload.orderId ?? "(no order)"}  uploaded from the store page in headless Chromium: ${upload.message}`);
      return upload.orderId ? { orderId: upload.orderId, traceId: upload.traceId } : undefined;
    } finally {
      await browser.close();
    }
  } catch (error) {
    say(`  no upload from the store page: ${(error as Error).message.split("\n")[0]}`);
    return undefined;
  }
}

async function printLinks(s: Shop, orders: ScenarioOrder[]): Promise<void> {
  // Give the slowest flow time to pass the collector's decision_wait (5 s in dev) and reach Jaeger.
  await new Promise((resolve) => setTimeout(resolve, 8000));
  for (const o of orders) {
    say(`\n${o.orderId}  ${o.label}${o.fault ? ` [fault: ${o.fault}]` : ""}`);
    for (const [flow, service] of FLOWS) {
      const query = { service, tags: { "order.id": o.orderId, "order.flow": flow } };
      const found = await searchTraces(s.jaeger.queryUrl, query).catch(() => []);
      const trace = found[0];
      const errors =
        trace?.spans.filter((sp) => sp.error).map((sp) => `${sp.service} "${sp.name}": ${sp.statusMessage}`) ?? [];
      say(
        `  ${flow.padEnd(19)} ${trace ? `${traceUrl(s.jaeger.queryUrl, trace.traceId)}  (${trace.spans.length} spans)` : `not traced (${searchUrl(s.jaeger.queryUrl, query)})`}`,
      );
      for (const e of errors) say(`  ${"".padEnd(19)}   error at ${e}`);
      const longest = trace?.spans
        .filter((sp) => sp.parentId !== undefined)
        .sort((a, b) => b.durationUs - a.durationUs)[0];
      if (longest && longest.durationUs > 1_000_000)
        say(
          `  ${"".padEnd(19)}   slow: ${longest.service} "${longest.name}" took ${(longest.durationUs / 1e6).toFixed(2)} s`,
        );
    }
  }
}

function printSignIn(a: TraceAccess): void {
  const token = `npm run -s access:token -- --issuer ${a.issuer} --ca ${a.caFile}`;
  say(`\ntrace access: ${a.gatewayUrl} (HTTPS, CA ${a.caFile}); Jaeger's own port stays on 127.0.0.1 behind it`);
  say(
    `identity provider: ${a.issuer}  (staff: authorization code + PKCE with password and TOTP; partners: client credentials)`,
  );
  const { clientId, clientSecret } = a.idp.console;
  for (const user of a.staff)
    say(
      `  ${user.role}: TOKEN=$(${token} --console ${clientId}:${clientSecret} --login ${user.login} --password ${user.password}${user.totpSecret ? ` --totp ${user.totpSecret}` : ""})`,
    );
  for (const partner of a.partners)
    say(`  partner ${partner.partnerId}: TOKEN=$(${token} --client ${partner.clientId}:${partner.clientSecret})`);
  say(`then: curl --cacert ${a.caFile} -H "Authorization: Bearer $TOKEN" ${a.gatewayUrl}/api/v3/services`);
  say(
    `      curl --cacert ${a.caFile} -H "Authorization: Bearer $TOKEN" "${a.gatewayUrl}/api/traces?service=shop-api&lookback=1h"`,
  );
  say(`every request is recorded: TRACEGEN_AUDIT_DATABASE_URL=${a.auditUrl} npm run -s tracegen -- audit show`);
}

async function servesPlaceholderUi(queryUrl: string): Promise<boolean> {
  const page = await fetch(`${queryUrl}/`).then(
    (r) => r.text(),
    () => "",
  );
  return page.includes("placeholder");
}

function describeTimings(t: Record<string, number>): string {
  const s = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)} s`;
  return [
    `PostgreSQL initdb ${s(t.postgresInitdb)} + start ${s(t.postgresStart)}`,
    `RabbitMQ ${s(t.rabbitmqStart)}`,
    `Jaeger ${s(t.jaegerStart)}`,
    `collector ${s(t.collectorStart)}`,
    `services ${s(t.servicesStart)}`,
  ].join(", ");
}
