import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { trace } from "@opentelemetry/api";
import { markFailed, setRoute } from "../../../src/kit/index.js";

/*
 * The few things every shop service needs from an HTTP server: routes with parameters (named to the
 * trace by their template), JSON in and out, client errors answered as 4xx with a reason, anything
 * else as a 500 recorded on the request span, and a health probe.
 */

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Request {
  raw: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
}

export type Handler = (request: Request, response: ServerResponse) => Promise<void>;

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export const HEALTH_PATH = "/healthz";

/**
 * CPU milliseconds spent on every routed request before its handler (`npm run bench:overhead --
 * --work-ms N`): the shop's handlers do almost nothing, so tracing's fixed cost per request looks
 * larger against them than against a service that does real work.
 */
const SIMULATED_WORK_MS = Number(process.env.SHOP_SIMULATED_WORK_MS ?? "0");

function simulateWork(): void {
  const until = performance.now() + SIMULATED_WORK_MS;
  while (performance.now() < until);
}

export class Router {
  private readonly routes: Route[] = [];

  on(method: string, template: string, handler: Handler): this {
    const names: string[] = [];
    const source = template.replace(/:([a-zA-Z]+)/g, (_m, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    this.routes.push({ method, template, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  async handle(raw: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(raw.url ?? "/", "http://service");
    if (url.pathname === HEALTH_PATH) return sendJson(response, 200, { ok: true });
    const candidates = this.routes.filter((r) => r.pattern.test(url.pathname));
    const route = candidates.find((r) => r.method === raw.method);
    if (route === undefined) {
      const status = candidates.length > 0 ? 405 : 404;
      return sendJson(response, status, { error: status === 405 ? `${raw.method} is not allowed here` : "not found" });
    }
    setRoute(route.template);
    if (SIMULATED_WORK_MS > 0) simulateWork();
    const match = route.pattern.exec(url.pathname) ?? [];
    const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(match[i + 1] ?? "")]));
    try {
      await route.handler({ raw, params, query: url.searchParams }, response);
    } catch (error) {
      if (error instanceof HttpError && error.status < 500) {
        // The request span says why the client was turned away; a 4xx is not the server's failure.
        trace.getActiveSpan()?.setAttribute("shop.rejection", error.message);
        if (!response.headersSent) sendJson(response, error.status, { error: error.message });
        else response.destroy();
        raw.resume();
        return;
      }
      const span = trace.getActiveSpan();
      if (span) markFailed(span, error);
      const status = error instanceof HttpError ? error.status : 500;
      if (!response.headersSent) sendJson(response, status, { error: (error as Error).message });
      else response.destroy();
    }
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

const MAX_JSON_BYTES = 64 * 1024;

export async function readJson<T>(request: Request): Promise<T> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BYTES) throw new HttpError(413, `a JSON body may be ${MAX_JSON_BYTES} bytes at most`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as T;
  } catch {
    throw new HttpError(400, "the body is not JSON");
  }
}

export interface RunningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function listen(router: Router, port: number): Promise<RunningServer> {
  const server = createServer((request, response) => void router.handle(request, response));
  // Services bind to loopback only: the shop is a local reference system.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
