import * as grpc from "@grpc/grpc-js";
import { TRACE_EXPORT_PATH } from "../../src/replay/sink.js";

/*
 * OTLP requests sent as raw bytes, however malformed or oversized: the replay's sender encodes
 * models, and these requests are made to be more than any model holds.
 */

export interface Answer {
  /** HTTP status or "no answer" when the connection died; for gRPC the status name ("OK", "RESOURCE_EXHAUSTED", ...). */
  status: string;
  message: string;
}

export async function postOtlpHttp(
  address: string,
  body: Uint8Array,
  headers: Record<string, string> = {},
): Promise<Answer> {
  try {
    const response = await fetch(`http://${address}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf", ...headers },
      body,
      signal: AbortSignal.timeout(60_000),
    });
    // The error is an rpc.Status message; its text is readable enough in the raw bytes.
    const text = Buffer.from(await response.arrayBuffer())
      .toString("latin1")
      .replace(/[^\x20-\x7e]+/g, " ");
    return { status: String(response.status), message: text.trim() };
  } catch (error) {
    return { status: "no answer", message: String((error as Error).cause ?? error) };
  }
}

/** With `gzip`, the message travels compressed (grpc-encoding: gzip). */
export function exportOtlpGrpc(address: string, body: Uint8Array, gzip = false): Promise<Answer> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    "grpc.max_send_message_length": 256 * 1024 * 1024,
    ...(gzip ? { "grpc.default_compression_algorithm": grpc.compressionAlgorithms.gzip } : {}),
  });
  const identity = (b: Buffer) => b;
  return new Promise<Answer>((resolve) => {
    client.makeUnaryRequest(
      TRACE_EXPORT_PATH,
      identity,
      identity,
      Buffer.from(body),
      { deadline: Date.now() + 60_000 },
      (error) => {
        client.close();
        if (!error) resolve({ status: "OK", message: "" });
        else resolve({ status: grpc.status[error.code] ?? String(error.code), message: error.details });
      },
    );
  });
}
