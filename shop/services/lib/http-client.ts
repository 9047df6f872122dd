import http from "node:http";
import type { Readable } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";

/*
 * Calls between services over node:http (the HTTP instrumentation traces those and injects the
 * trace context). A peer that is briefly down (connection refused or reset before an answer) is
 * retried with backoff when the call is safe to repeat; an answer, even an error, is never retried.
 */

export class CallError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface CallOptions {
  method: "GET" | "POST" | "PUT" | "DELETE";
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Attempts in all when the peer cannot be reached; only for calls that are safe to repeat. */
  attempts?: number;
}

export interface Answer<T> {
  status: number;
  body: T;
}

const RETRYABLE = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE"]);

export async function callJson<T>(url: string, options: CallOptions): Promise<Answer<T>> {
  const attempts = options.attempts ?? 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await once<T>(url, options);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "";
      if (attempt >= attempts || !RETRYABLE.has(code)) throw error;
      await delay(Math.min(2000, 100 * 2 ** (attempt - 1)));
    }
  }
}

function once<T>(url: string, options: CallOptions): Promise<Answer<T>> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return exchange<T>(url, {
    method: options.method,
    headers: {
      accept: "application/json",
      ...(body !== undefined && {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
      }),
      ...options.headers,
    },
    timeoutMs: options.timeoutMs ?? 10_000,
    write: (request) => request.end(body),
  });
}

/** Streams `source` as the request body (an upload passed on without holding it in memory). */
export function streamTo<T>(
  url: string,
  source: Readable,
  headers: Record<string, string>,
  timeoutMs = 60_000,
): Promise<Answer<T>> {
  return exchange<T>(url, {
    method: "PUT",
    headers,
    timeoutMs,
    write: (request) => {
      source.on("error", (error) => request.destroy(error));
      source.pipe(request);
    },
  });
}

interface Exchange {
  method: string;
  headers: Record<string, string>;
  timeoutMs: number;
  write: (request: http.ClientRequest) => void;
}

function exchange<T>(url: string, spec: Exchange): Promise<Answer<T>> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: spec.method, headers: spec.headers, timeout: spec.timeoutMs },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("error", reject);
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          try {
            parsed = text === "" ? undefined : JSON.parse(text);
          } catch {
            // not JSON: the text itself is the answer
          }
          resolve({ status: response.statusCode ?? 0, body: parsed as T });
        });
      },
    );
    request.on("timeout", () =>
      request.destroy(new CallError(`${spec.method} ${url} timed out after ${spec.timeoutMs} ms`)),
    );
    request.on("error", reject);
    spec.write(request);
  });
}

/** The answer, when it is a success; otherwise an error that quotes what the peer said. */
export function expectOk<T>(answer: Answer<T>, what: string): T {
  if (answer.status >= 200 && answer.status < 300) return answer.body;
  const said = (answer.body as { error?: string } | undefined)?.error ?? JSON.stringify(answer.body);
  throw new CallError(`${what} answered ${answer.status}: ${said}`, answer.status);
}
