import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { gunzipSync, inflateSync } from "node:zlib";
import * as grpc from "@grpc/grpc-js";
import { decodeJsonRequest } from "../otlp/json.js";
import type { TraceRequest } from "../otlp/model.js";
import { decodeProtoRequest, EMPTY_EXPORT_RESPONSE } from "../otlp/protobuf.js";

/*
 * The OTLP sink standing where Jaeger would: an OTLP/gRPC TraceService and an OTLP/HTTP
 * /v1/traces endpoint that accept everything, record it with its arrival time, and answer
 * success. With TLS it requires the client certificate the collector presents under mTLS.
 * Every body is kept as it arrived (decompressed), decoded or not: the leak oracle searches
 * those bytes, not what a decoder made of them.
 */

export const TRACE_EXPORT_PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

export interface Received {
  atMs: number;
  protocol: "grpc" | "http";
  request: TraceRequest;
  /** The request's bytes as they arrived, after any content-encoding was undone. */
  body: Uint8Array;
  encoding: BodyEncoding;
}

export type BodyEncoding = "protobuf" | "json";

/** A body that did not decode as OTLP, kept with why. */
export interface Garbage {
  problem: string;
  body: Uint8Array;
}

export interface SinkTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  requireClientCert: boolean;
  minVersion: "TLSv1.2" | "TLSv1.3";
}

export interface Sink {
  endpoint: string;
  received: Received[];
  /** Bodies that did not decode as OTLP: the collector sent something a real Jaeger would refuse. */
  garbage: Garbage[];
  /** Spans in every request that decoded, kept or not. */
  spans(): number;
  /** Milliseconds since the last export arrived (Infinity before the first). */
  quietFor(): number;
  close(): Promise<void>;
  /** Jaeger gone: the port stops listening, connections are dropped. */
  down(): Promise<void>;
  /** Jaeger back, on the same port; what arrived before is kept. */
  up(): Promise<void>;
}

export interface SinkOptions {
  /** false: requests are decoded and counted, not kept (a benchmark's hundreds of thousands of spans). */
  keep: boolean;
}

export async function startSink(
  protocol: "grpc" | "http",
  tls: SinkTls | undefined,
  options: SinkOptions = { keep: true },
): Promise<Sink> {
  const received: Received[] = [];
  const garbage: Garbage[] = [];
  let last = -Infinity;
  let spans = 0;
  const record: Record = (p, raw, unwrap) => {
    last = Date.now();
    let body = raw;
    try {
      const unwrapped = unwrap();
      body = unwrapped.body;
      const request =
        unwrapped.encoding === "json"
          ? decodeJsonRequest(JSON.parse(Buffer.from(body).toString("utf8")))
          : decodeProtoRequest(body);
      for (const rs of request.resourceSpans) for (const ss of rs.scopeSpans) spans += ss.spans.length;
      if (options.keep) received.push({ atMs: Date.now(), protocol: p, request, body, encoding: unwrapped.encoding });
      return true;
    } catch (error) {
      garbage.push({ problem: `${p}: ${(error as Error).message}`, body });
      return false;
    }
  };
  const base = { received, garbage, spans: () => spans, quietFor: () => Date.now() - last };
  return protocol === "grpc" ? startGrpc(record, tls, base) : startHttp(record, tls, base);
}

/** Records one body: `raw` as it came off the wire; `unwrap` undoes its content-encoding (or throws). */
type Record = (
  p: "grpc" | "http",
  raw: Uint8Array,
  unwrap: () => { body: Uint8Array; encoding: BodyEncoding },
) => boolean;
type Base = Pick<Sink, "received" | "garbage" | "spans" | "quietFor">;

const identity = (b: Buffer) => b;

/** OTLP's TraceService with its one method taking and answering raw bytes: what is in them is the caller's to decode. */
export const RAW_TRACE_SERVICE: grpc.ServiceDefinition = {
  Export: {
    path: TRACE_EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName: "Export",
  },
};

async function startGrpc(record: Record, tls: SinkTls | undefined, base: Base): Promise<Sink> {
  const credentials = tls
    ? grpc.ServerCredentials.createSsl(tls.ca, [{ private_key: tls.key, cert_chain: tls.cert }], tls.requireClientCert)
    : grpc.ServerCredentials.createInsecure();
  const listen = async (at: number): Promise<{ server: grpc.Server; port: number }> => {
    const server = new grpc.Server({ "grpc.max_receive_message_length": 128 * 1024 * 1024 });
    server.addService(RAW_TRACE_SERVICE, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const body = new Uint8Array(call.request);
        const ok = record("grpc", body, () => ({ body, encoding: "protobuf" }));
        if (ok) callback(null, Buffer.from(EMPTY_EXPORT_RESPONSE));
        else callback({ code: grpc.status.INVALID_ARGUMENT, details: "not an ExportTraceServiceRequest" });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${at}`, credentials, (error, p) => (error ? reject(error) : resolve(p))),
    );
    return { server, port };
  };
  let current: grpc.Server | undefined;
  const first = await listen(0);
  current = first.server;
  const shutdown = () =>
    new Promise<void>((resolve) => {
      const server = current;
      current = undefined;
      if (!server) return resolve();
      server.tryShutdown(() => resolve());
      // Not unref'd: when the graceful shutdown never calls back, this is what settles the close.
      setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000);
    });
  return {
    ...base,
    endpoint: `127.0.0.1:${first.port}`,
    close: shutdown,
    async down() {
      current?.forceShutdown();
      current = undefined;
    },
    async up() {
      if (!current) current = (await listen(first.port)).server;
    },
  };
}

async function startHttp(record: Record, tls: SinkTls | undefined, base: Base): Promise<Sink> {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url?.split("?")[0] !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      const raw = new Uint8Array(Buffer.concat(chunks));
      const ok = record("http", raw, () => ({
        body: new Uint8Array(decode(Buffer.from(raw), req.headers["content-encoding"])),
        encoding: /json/.test(req.headers["content-type"] ?? "") ? "json" : "protobuf",
      }));
      if (!ok) {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end(Buffer.from(EMPTY_EXPORT_RESPONSE));
    });
  };
  const server = tls
    ? createHttpsServer(
        {
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          requestCert: tls.requireClientCert,
          rejectUnauthorized: tls.requireClientCert,
          minVersion: tls.minVersion,
        },
        handler,
      )
    : createHttpServer(handler);
  const listen = (at: number) => new Promise<void>((resolve) => server.listen(at, "127.0.0.1", resolve));
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    ...base,
    endpoint: `127.0.0.1:${port}`,
    close,
    down: close,
    up: () => (server.listening ? Promise.resolve() : listen(port)),
  };
}

function decode(body: Buffer, encoding: string | string[] | undefined): Buffer {
  if (encoding === "gzip") return gunzipSync(body);
  if (encoding === "deflate") return inflateSync(body);
  if (encoding === undefined || encoding === "identity") return body;
  throw new Error(`unsupported content-encoding ${String(encoding)}`);
}
