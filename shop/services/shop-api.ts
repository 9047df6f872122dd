import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { trace, type Tracer } from "@opentelemetry/api";
import { build } from "esbuild";
import { currentFlowFacts, setPartner, withFlow } from "../../src/kit/index.js";
import { expectOk, streamTo } from "./lib/http-client.js";
import { need, needPort } from "./lib/env.js";
import { HttpError, listen, Router, sendJson, type Request } from "./lib/http-server.js";
import { partnerFromKey, PARTNER_KEY_HEADER, partnerKeys } from "./lib/partners.js";
import {
  customerFromCookies,
  DEMO_CUSTOMER,
  SESSION_COOKIE,
  sessionCookieValue,
  type Customer,
} from "./lib/session.js";
import { checkUpload } from "./lib/upload-rules.js";

/*
 * Shop API: serves the store page and takes order file uploads. An upload is checked (type, size,
 * customer), given an order id and streamed on to 3D Storage; nothing is kept here, so a rejected or
 * failed upload leaves nothing behind. Browser spans posted to /otlp/v1/traces are relayed to the
 * collector's OTLP/HTTP receiver. Partners' systems upload with their API key instead of a session;
 * their request span carries their partner id, which is what lets them read their own traces.
 */

export async function start(_tracer: Tracer, log: (line: string) => void): Promise<() => Promise<void>> {
  const storageUrl = need("STORAGE_URL");
  const collectorHttp = need("COLLECTOR_OTLP_HTTP_URL");
  const maxBytes = Number(process.env.SHOP_MAX_UPLOAD_BYTES ?? 20 * 1024 * 1024);
  const environment = process.env.DEPLOYMENT_ENVIRONMENT ?? "dev";
  const partners = partnerKeys(process.env.SHOP_PARTNER_KEYS);
  const [page, script] = await Promise.all([
    readFile(fileURLToPath(new URL("../web/index.html", import.meta.url)), "utf8"),
    bundleStoreScript(),
  ]);

  const router = new Router()
    .on("GET", "/", async (request, response) => {
      const known = customerFromCookies(request.raw.headers.cookie);
      const customer = known ?? DEMO_CUSTOMER;
      const html = page
        .replaceAll("{{customer}}", customer.id)
        .replaceAll("{{customerName}}", escapeHtml(customer.name))
        .replaceAll("{{environment}}", environment);
      response.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        ...(known
          ? {}
          : { "set-cookie": `${SESSION_COOKIE}=${sessionCookieValue(customer)}; Path=/; HttpOnly; SameSite=Strict` }),
      });
      response.end(html);
    })
    .on("GET", "/store.js", async (_request, response) => {
      response.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      response.end(script);
    })
    // Browsers ask for it on every page; the shop has none.
    .on("GET", "/favicon.ico", async (_request, response) => {
      response.writeHead(204).end();
    })
    .on("POST", "/otlp/v1/traces", (request, response) => relay(request, response, collectorHttp))
    .on("POST", "/api/orders", (request, response) => upload(request, response, storageUrl, maxBytes, partners));

  const server = await listen(router, needPort("SHOP_API_PORT"));
  log(`shop-api listening on 127.0.0.1:${server.port}`);
  return () => server.close();
}

/** A partner by API key, or a customer by session cookie. */
function uploader(request: Request, partners: ReadonlyMap<string, string>): Customer {
  const key = request.raw.headers[PARTNER_KEY_HEADER];
  if (key !== undefined) {
    const partnerId = partnerFromKey(partners, String(key));
    if (partnerId === undefined) throw new HttpError(401, "unknown partner key");
    setPartner(partnerId);
    return { id: `partner-${partnerId}`, email: `orders@partner-${partnerId}.example`, name: `Partner ${partnerId}` };
  }
  const customer = customerFromCookies(request.raw.headers.cookie);
  if (customer === undefined) throw new HttpError(401, "sign in first: the request has no valid shop session");
  return customer;
}

async function upload(
  request: Request,
  response: http.ServerResponse,
  storageUrl: string,
  maxBytes: number,
  partners: ReadonlyMap<string, string>,
): Promise<void> {
  const customer = uploader(request, partners);
  const fileName = request.query.get("file");
  const declared = request.raw.headers["content-length"];
  const verdict = checkUpload(
    fileName,
    request.raw.headers["content-type"],
    declared === undefined ? undefined : Number(declared),
    maxBytes,
  );
  if (!verdict.ok) throw new HttpError(verdict.status, verdict.reason);
  const orderId = `ord-${randomBytes(6).toString("hex")}`;
  // Personal data on the span on purpose: the collector's masking must remove or pseudonymize it.
  trace
    .getActiveSpan()
    ?.setAttributes({ "user.email": customer.email, "user.full_name": customer.name, "enduser.id": customer.id });
  await withFlow(
    { "order.id": orderId, "order.flow": currentFlowFacts()["order.flow"] ?? "order-upload", "user.id": customer.id },
    async () => {
      const answer = await streamTo<{ bytes: number; sha256: string; error?: string }>(
        `${storageUrl}/files/${orderId}`,
        request.raw,
        {
          "content-type": request.raw.headers["content-type"] ?? "application/octet-stream",
          "content-length": String(declared),
          "x-file-name": fileName ?? "",
          "x-customer-id": customer.id,
        },
      );
      // Storage's own refusals (the size checked while streaming) reach the customer as they are.
      if (answer.status >= 400 && answer.status < 500)
        throw new HttpError(answer.status, answer.body.error ?? "refused by storage");
      const stored = expectOk(answer, "3D Storage");
      sendJson(response, 201, { orderId, bytes: stored.bytes, sha256: stored.sha256 });
    },
  );
}

/** Browser spans, passed on as they came (OTLP/HTTP JSON or protobuf); the relay itself is not traced. */
async function relay(request: Request, response: http.ServerResponse, collectorHttp: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request.raw as AsyncIterable<Buffer>) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  const upstream = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const call = http.request(
      `${collectorHttp}/v1/traces`,
      {
        method: "POST",
        headers: {
          "content-type": request.raw.headers["content-type"] ?? "application/json",
          "content-length": body.length,
        },
      },
      resolve,
    );
    call.on("error", reject);
    call.end(body);
  });
  response.writeHead(upstream.statusCode ?? 502, {
    "content-type": upstream.headers["content-type"] ?? "application/json",
  });
  upstream.pipe(response);
}

async function bundleStoreScript(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("../web/store.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    minify: true,
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]?.text ?? "";
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
