import { request } from "node:https";

/** Discovery documents and key sets are small; anything larger is not one. */
const MAX_ISSUER_DOCUMENT_BYTES = 256 * 1024;

export interface IssuerFetchOptions {
  /** PEM of a CA to trust besides the system's, for an issuer with a private CA. */
  ca?: string;
  timeoutMs: number;
}

/**
 * A fetch for the issuer's discovery document and key set: HTTPS only, bounded in time and size, an
 * extra CA when the issuer has a private one (the global fetch cannot take one per call).
 */
export function issuerFetch(options: IssuerFetchOptions) {
  return (url: string, init: { headers?: Headers; signal?: AbortSignal } = {}): Promise<Response> =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol !== "https:") {
        reject(new Error(`refusing to fetch ${url}: the issuer must be served over HTTPS`));
        return;
      }
      const headers = Object.fromEntries(init.headers?.entries() ?? []);
      const req = request(
        target,
        {
          method: "GET",
          headers,
          ...(options.ca && { ca: options.ca }),
          timeout: options.timeoutMs,
          signal: init.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ISSUER_DOCUMENT_BYTES) {
              req.destroy(new Error(`${url} answered more than ${MAX_ISSUER_DOCUMENT_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on("end", () =>
            resolve(
              new Response(Buffer.concat(chunks), {
                status: res.statusCode ?? 502,
                headers: { "content-type": String(res.headers["content-type"] ?? "") },
              }),
            ),
          );
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${url} did not answer within ${options.timeoutMs} ms`)));
      req.on("error", reject);
      req.end();
    });
}
