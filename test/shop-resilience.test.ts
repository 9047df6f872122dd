import { request } from "node:http";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRecorder, type Recorder } from "../src/cli/record-run.js";
import { Refused, stlModel, uploadOrder, waitForStatus } from "../shop/driver/orders.js";
import { startServices, type Services } from "../shop/infra/services.js";
import { startBackends, type Backends } from "../shop/infra/stack.js";
import { DEMO_CUSTOMER } from "../shop/services/lib/session.js";

/*
 * The services as real services must be: bad input refused with a clear 4xx and nothing half-stored,
 * and a database or broker that goes away for a few seconds waited out, not a lost order. Real
 * PostgreSQL and RabbitMQ are stopped and started under the running services.
 */

const MAX_UPLOAD = 16_000;

let backends: Backends;
let recorder: Recorder;
let services: Services;

beforeAll(async () => {
  [backends, recorder] = await Promise.all([startBackends(), startRecorder()]);
  services = await startServices(
    {
      amqpUrl: backends.rabbit.url,
      shopDbUrl: backends.shopDbUrl,
      mesDbUrl: backends.mesDbUrl,
      otlpGrpc: recorder.grpc,
      otlpHttp: recorder.http,
    },
    { maxUploadBytes: MAX_UPLOAD },
  );
}, 120_000);

afterAll(async () => {
  await services?.stop();
  await recorder?.stop();
  await backends?.stop();
}, 60_000);

/** Everything under the storage directory, the unfinished-uploads area included. */
const stored = async (): Promise<string[]> => [
  ...(await readdir(services.storageDir)).filter((f) => f !== ".incoming"),
  ...(await readdir(join(services.storageDir, ".incoming"))).map((f) => `.incoming/${f}`),
];

async function refusal(upload: Parameters<typeof uploadOrder>[1]): Promise<Refused> {
  const error = await uploadOrder(services.urls.shopApi, upload).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Refused);
  return error as Refused;
}

/** A PUT with a chunked body: no declared length to check up front, so storage must count as it writes. */
function chunkedPut(url: string, bytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const put = request(
      url,
      { method: "PUT", headers: { "content-type": "model/stl", "x-file-name": "big.stl" } },
      (response) => {
        let body = "";
        response.on("data", (c: Buffer) => (body += c.toString()));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    put.on("error", reject);
    const chunk = Buffer.alloc(4096, 0x61);
    for (let sent = 0; sent < bytes; sent += chunk.length) put.write(chunk);
    put.end();
  });
}

async function requestCosting(orderId: string): Promise<number> {
  const response = await fetch(`${services.urls.crmApi}/costings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ orderId, bytes: 20_000 }),
  });
  return response.status;
}

describe("the shop's services under bad input", () => {
  it("refuse a file that is not a 3D model with 415 and a reason, and store nothing", async () => {
    const refused = await refusal({
      fileName: "notes.txt",
      content: new TextEncoder().encode("hello"),
      contentType: "text/plain",
      customer: DEMO_CUSTOMER,
    });
    expect(refused.status).toBe(415);
    expect(refused.message).toMatch(/\.txt is not a 3D model/);
    expect(await stored()).toEqual([]);
  });

  it("refuse an upload over the size limit with 413 before storing a byte", async () => {
    const refused = await refusal({ fileName: "huge.stl", content: stlModel(2000), customer: DEMO_CUSTOMER });
    expect(refused.status).toBe(413);
    expect(refused.message).toMatch(/at most 16000 are accepted/);
    expect(await stored()).toEqual([]);
  });

  it("catch an oversized body without a declared length while streaming it: 413, and nothing half-written is left", async () => {
    const answer = await chunkedPut(`${services.urls.storage}/files/ord-0123456789ab`, 64 * 1024);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error).toMatch(/exceeds 16000 bytes/);
    expect(await stored()).toEqual([]);
  });

  it("refuse an upload without a shop session with 401", async () => {
    const response = await fetch(`${services.urls.shopApi}/api/orders?file=part.stl`, {
      method: "POST",
      headers: { "content-type": "model/stl" },
      body: Buffer.from(stlModel(3)),
    });
    expect(response.status).toBe(401);
  });
});

describe("the shop's services when a backend is briefly down", () => {
  it("keep a quote that arrives while PostgreSQL restarts: the CRM retries and records it", async () => {
    const restarted = backends.postgres.restart(2000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await requestCosting("ord-aaaaaaaaaaa1")).toBe(202);
    await restarted;
    await waitForStatus(backends.shopDbUrl, "ord-aaaaaaaaaaa1", "quoted", 30_000);
    // The quote really met the database down, and was retried rather than dropped.
    expect(services.children["crm-api"].logTail(200)).toMatch(/database unavailable .*; retry 1/);
  }, 60_000);

  it("take a costing request while RabbitMQ restarts: the publish waits for the reconnect and the quote arrives", async () => {
    const restarted = backends.rabbit.restart(1000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await requestCosting("ord-bbbbbbbbbbb2")).toBe(202);
    await restarted;
    await waitForStatus(backends.shopDbUrl, "ord-bbbbbbbbbbb2", "quoted", 30_000);
    for (const name of ["crm-api", "mes-api"] as const)
      expect(services.children[name].logTail(200)).toMatch(/broker connection lost[\s\S]*broker connected/);
    // And the services are whole again: a fresh order goes through end to end.
    const { orderId } = await uploadOrder(services.urls.shopApi, {
      fileName: "after.stl",
      content: stlModel(20),
      customer: DEMO_CUSTOMER,
    });
    await waitForStatus(backends.shopDbUrl, orderId, "quoted", 30_000);
  }, 90_000);
});
