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
 */

export const TRACE_EXPORT_PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

export interface Received {
  atMs: number;
  protocol: "grpc" | "http";
  request: TraceRequest;
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
  garbage: string[];
  /** Milliseconds since the last export arrived (Infinity before the first). */
  quietFor(): number;
  close(): Promise<void>;
}

export async function startSink(protocol: "grpc" | "http", tls: SinkTls | undefined): Promise<Sink> {
  const received: Received[] = [];
  const garbage: string[] = [];
  let last = -Infinity;
  const record = (p: "grpc" | "http", decode: () => TraceRequest): boolean => {
    try {
      received.push({ atMs: Date.now(), protocol: p, request: decode() });
      last = Date.now();
      return true;
    } catch (error) {
      garbage.push(`${p}: ${(error as Error).message}`);
      return false;
    }
  };
  const base = { received, garbage, quietFor: () => Date.now() - last };
  return protocol === "grpc" ? startGrpc(record, tls, base) : startHttp(record, tls, base);
}

type Record = (p: "grpc" | "http", decode: () => TraceRequest) => boolean;
type Base = Pick<Sink, "received" | "garbage" | "quietFor">;

async function startGrpc(record: Record, tls: SinkTls | undefined, base: Base): Promise<Sink> {
  const server = new grpc.Server({ "grpc.max_receive_message_length": 128 * 1024 * 1024 });
  const identity = (b: Buffer) => b;
  server.addService(
    {
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
    },
    {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        if (record("grpc", () => decodeProtoRequest(call.request))) callback(null, Buffer.from(EMPTY_EXPORT_RESPONSE));
        else callback({ code: grpc.status.INVALID_ARGUMENT, details: "not an ExportTraceServiceRequest" });
      },
    },
  );
  const credentials = tls
    ? grpc.ServerCredentials.createSsl(tls.ca, [{ private_key: tls.key, cert_chain: tls.cert }], tls.requireClientCert)
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (error, p) => (error ? reject(error) : resolve(p))),
  );
  return {
    ...base,
    endpoint: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000).unref();
      }),
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
      const ok = record("http", () => {
        const body = decode(Buffer.concat(chunks), req.headers["content-encoding"]);
        return /json/.test(req.headers["content-type"] ?? "")
          ? decodeJsonRequest(JSON.parse(body.toString("utf8")))
          : decodeProtoRequest(body);
      });
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
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...base,
    endpoint: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function decode(body: Buffer, encoding: string | string[] | undefined): Buffer {
  if (encoding === "gzip") return gunzipSync(body);
  if (encoding === "deflate") return inflateSync(body);
  if (encoding === undefined || encoding === "identity") return body;
  throw new Error(`unsupported content-encoding ${String(encoding)}`);
}
