import { request, type Agent } from "node:https";
import type { IncomingHttpHeaders } from "node:http";

export interface HttpsAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export interface HttpsRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The private CA the server's certificate is signed by. */
  ca: Buffer | string;
  agent?: Agent;
  timeoutMs?: number;
}

/** One HTTPS exchange trusting a given CA: what global fetch cannot do per call. */
export function httpsRequest(url: string, options: HttpsRequest): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 15_000;
    const req = request(
      url,
      {
        method: options.method ?? "GET",
        headers: options.headers ?? {},
        ca: options.ca,
        timeout: timeoutMs,
        ...(options.agent && { agent: options.agent }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: () => body.toString("utf8"),
            json: <T>() => JSON.parse(body.toString("utf8")) as T,
          });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${url}: no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(options.body);
  });
}
