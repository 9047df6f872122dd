import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kv, type TraceRequest } from "../src/otlp/model.js";
import { createSender } from "../src/replay/sender.js";
import { startSink } from "../src/replay/sink.js";
import { makeTlsMaterial, type TlsMaterial } from "../src/replay/tls-material.js";
import { request, span } from "./replay-helpers.js";

const sample = (): TraceRequest => request([{ span: span({ attributes: [kv("order.id", "ORD-1")] }) }]);

describe("the OTLP sink standing where Jaeger would", () => {
  let dir: string;
  let tls: TlsMaterial;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sink-test-"));
    tls = await makeTlsMaterial(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const startMtlsSink = (protocol: "grpc" | "http") =>
    startSink(protocol, {
      ca: tls.ca,
      cert: tls.sink.cert,
      key: tls.sink.key,
      requireClientCert: true,
      minVersion: "TLSv1.3",
    });

  it.each(["grpc", "http"] as const)(
    "receives OTLP over %s with mutual TLS and records it as sent",
    async (protocol) => {
      const sink = await startMtlsSink(protocol);
      try {
        const sender = createSender({
          protocol,
          endpoint: sink.endpoint,
          tls: { ca: tls.ca, cert: tls.sender.cert, key: tls.sender.key },
        });
        const sent = sample();
        const outcome = await sender.send(sent, 1);
        sender.close();
        expect(outcome).toEqual({ ok: true, rejected: 0, retryable: false });
        expect(sink.received.map((r) => r.request)).toEqual([sent]);
        expect(sink.received[0]!.protocol).toBe(protocol);
      } finally {
        await sink.close();
      }
    },
  );

  it.each(["grpc", "http"] as const)(
    "refuses a %s client that presents no certificate when mTLS is required",
    async (protocol) => {
      const sink = await startMtlsSink(protocol);
      try {
        // The client trusts the CA but has no certificate of its own.
        const sender = createSender({ protocol, endpoint: sink.endpoint, tls: { ca: tls.ca } });
        const outcome = await sender.send(sample(), 1);
        sender.close();
        expect(outcome.ok).toBe(false);
        expect(sink.received).toEqual([]);
      } finally {
        await sink.close();
      }
    },
  );

  it("records a body that is not OTLP instead of inventing spans", async () => {
    const sink = await startSink("http", undefined);
    try {
      const [host, port] = sink.endpoint.split(":");
      const response = await fetch(`http://${host}:${port}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf" },
        body: new Uint8Array([0x0a, 0xff]),
      });
      expect(response.status).toBe(400);
      expect(sink.received).toEqual([]);
      expect(sink.garbage).toHaveLength(1);
    } finally {
      await sink.close();
    }
  });
});
