import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import * as grpc from "@grpc/grpc-js";
import { parseHostPort } from "../endpoint/endpoint.js";
import type { TraceRequest } from "../otlp/model.js";
import { decodeExportResponse, encodeProtoRequest } from "../otlp/protobuf.js";
import { TRACE_EXPORT_PATH } from "./sink.js";

/*
 * The harness as the shop's services: sends ExportTraceServiceRequests to the collector's
 * receiver over OTLP/gRPC or OTLP/HTTP (protobuf), with the client certificate and bearer
 * token the environment asks for.
 */

export interface SenderTls {
  ca: Buffer;
  /** Presented when the receiver requires client certificates. */
  cert?: Buffer;
  key?: Buffer;
}

export interface SenderOptions {
  protocol: "grpc" | "http";
  endpoint: string;
  tls?: SenderTls;
  token?: string;
  /** How long one request may wait for its answer (default 30 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export interface SendOutcome {
  ok: boolean;
  /** Spans the collector said it refused (partial success), or all of them on failure. */
  rejected: number;
  error?: string;
  /** Worth another try: the collector is busy (memory limiter) or briefly unreachable. */
  retryable: boolean;
  /** How long the server asked the client to wait before trying again (HTTP Retry-After). */
  retryAfterMs?: number;
}

export interface Sender {
  send(request: TraceRequest, spans: number): Promise<SendOutcome>;
  close(): void;
}

export function createSender(o: SenderOptions): Sender {
  return o.protocol === "grpc" ? grpcSender(o) : httpSender(o);
}

const RETRYABLE_GRPC = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.DEADLINE_EXCEEDED,
]);

function grpcSender(o: SenderOptions): Sender {
  const credentials = o.tls
    ? grpc.credentials.createSsl(o.tls.ca, o.tls.key ?? null, o.tls.cert ?? null)
    : grpc.credentials.createInsecure();
  const client = new grpc.Client(o.endpoint, credentials, {
    "grpc.max_send_message_length": 128 * 1024 * 1024,
    // The certificate names localhost too; verifying by name keeps Node from sending an IP as TLS server name.
    ...(o.tls ? { "grpc.ssl_target_name_override": "localhost" } : {}),
  });
  return {
    send: (request, spans) =>
      new Promise((resolve) => {
        const metadata = new grpc.Metadata();
        if (o.token) metadata.set("authorization", `Bearer ${o.token}`);
        client.makeUnaryRequest(
          TRACE_EXPORT_PATH,
          (r: TraceRequest) => Buffer.from(encodeProtoRequest(r)),
          (b: Buffer) => b,
          request,
          metadata,
          { deadline: Date.now() + (o.timeoutMs ?? DEFAULT_TIMEOUT_MS) },
          (error, response) => {
            if (error)
              resolve({
                ok: false,
                rejected: spans,
                error: `${grpc.status[error.code]}: ${error.details}`,
                retryable: RETRYABLE_GRPC.has(error.code),
              });
            else resolve(partial(response ?? Buffer.alloc(0)));
          },
        );
      }),
    close: () => client.close(),
  };
}

/** The statuses OTLP/HTTP names as worth retrying (the specification's "Retryable Response Codes"). */
const RETRYABLE_HTTP = new Set([429, 502, 503, 504]);

/** Retry-After in seconds or as an HTTP date; anything else is no advice. */
export function retryAfter(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^[0-9]{1,9}$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) || !/[A-Za-z]/.test(value) ? undefined : Math.max(0, at - now);
}

function httpSender(o: SenderOptions): Sender {
  const { host, port } = parseHostPort(o.endpoint);
  return {
    send: (request, spans) =>
      new Promise((resolve) => {
        const body = Buffer.from(encodeProtoRequest(request));
        const options = {
          host,
          port,
          method: "POST",
          path: "/v1/traces",
          headers: {
            "content-type": "application/x-protobuf",
            "content-length": body.length,
            ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          },
          ...(o.tls
            ? {
                ca: o.tls.ca,
                servername: "localhost",
                ...(o.tls.cert && o.tls.key ? { cert: o.tls.cert, key: o.tls.key } : {}),
              }
            : {}),
          timeout: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        };
        const req = (o.tls ? httpsRequest : httpRequest)(options, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(partial(Buffer.concat(chunks)));
            else {
              const retryAfterMs = RETRYABLE_HTTP.has(status) ? retryAfter(res.headers["retry-after"]) : undefined;
              resolve({
                ok: false,
                rejected: spans,
                error: `HTTP ${status}: ${Buffer.concat(chunks).toString("utf8").slice(0, 300)}`,
                retryable: RETRYABLE_HTTP.has(status),
                ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
              });
            }
          });
        });
        req.on("error", (error) => resolve({ ok: false, rejected: spans, error: error.message, retryable: true }));
        req.on("timeout", () => req.destroy(new Error(`no answer within ${options.timeout} ms`)));
        req.end(body);
      }),
    close: () => undefined,
  };
}

function partial(response: Buffer): SendOutcome {
  const { rejectedSpans, errorMessage } = decodeExportResponse(response);
  return rejectedSpans > 0n
    ? { ok: true, rejected: Number(rejectedSpans), error: errorMessage || "partial success", retryable: false }
    : { ok: true, rejected: 0, retryable: false };
}

export interface RetryPolicy {
  /** Sends in all, the first included. */
  attempts: number;
  /** Back-off before the n-th retry when the server gives no Retry-After: baseMs · 2^n. */
  baseMs: number;
  /** A Retry-After longer than this is cut to it: the replay must end in bounded time. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 200, maxRetryAfterMs: 10_000 };

/** Sends, and sends again while the collector pushes back, as long as the policy allows. */
export async function sendWithRetry(
  sender: Sender,
  request: TraceRequest,
  spans: number,
  policy: RetryPolicy = DEFAULT_RETRY,
  wait: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<{ outcome: SendOutcome; attempts: number }> {
  let outcome = await sender.send(request, spans);
  let attempts = 1;
  for (; !outcome.ok && outcome.retryable && attempts < policy.attempts; attempts++) {
    await wait(
      outcome.retryAfterMs !== undefined
        ? Math.min(outcome.retryAfterMs, policy.maxRetryAfterMs)
        : policy.baseMs * 2 ** attempts,
    );
    outcome = await sender.send(request, spans);
  }
  return { outcome, attempts };
}
