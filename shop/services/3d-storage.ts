import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { access, mkdir, rename, rm, writeFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { context, trace, type Tracer } from "@opentelemetry/api";
import { markFailed, startFlow } from "../../src/kit/index.js";
import { callJson, expectOk } from "./lib/http-client.js";
import { need, needPort } from "./lib/env.js";
import { HttpError, listen, Router, sendJson, type Request } from "./lib/http-server.js";

/*
 * 3D Storage: keeps order files on disk. A file is written under a temporary name and renamed into
 * place only when complete and within the size limit, so a reader never sees half a file and a
 * refused upload leaves nothing. Once a file is stored, storage asks the CRM to cost the order: a new
 * flow, in a trace of its own that links back to the upload.
 */

const ORDER_ID = /^ord-[0-9a-f]{12}$/;

export async function start(tracer: Tracer, log: (line: string) => void): Promise<() => Promise<void>> {
  const dir = need("STORAGE_DIR");
  const crmUrl = need("CRM_API_URL");
  const maxBytes = Number(process.env.SHOP_MAX_UPLOAD_BYTES ?? 20 * 1024 * 1024);
  await mkdir(join(dir, ".incoming"), { recursive: true });
  const pending = new Set<Promise<void>>();

  const router = new Router().on("PUT", "/files/:orderId", async (request, response) => {
    const stored = await store(request, response, dir, maxBytes);
    // The costing request must not hold up the upload's answer, nor be part of its trace.
    const cause = context.active();
    const costing = startFlow(
      tracer,
      "request costing",
      { facts: { "order.id": stored.orderId, "order.flow": "order-costing" }, causedBy: cause },
      async () => {
        const answer = await callJson(`${crmUrl}/costings`, {
          method: "POST",
          body: { orderId: stored.orderId, bytes: stored.bytes, fileName: stored.fileName },
          // The CRM may be restarting: a refused connection is retried; an answer is final.
          attempts: 8,
        });
        expectOk(answer, "CRM API");
      },
    )
      .catch((error: Error) => log(`costing request for ${stored.orderId} failed: ${error.message}`))
      .finally(() => pending.delete(costing));
    pending.add(costing);
  });

  const server = await listen(router, needPort("STORAGE_PORT"));
  log(`3d-storage listening on 127.0.0.1:${server.port}, files in ${dir}`);
  return async () => {
    await server.close();
    await Promise.allSettled(pending);
  };
}

interface Stored {
  orderId: string;
  fileName: string;
  bytes: number;
}

async function store(request: Request, response: ServerResponse, dir: string, maxBytes: number): Promise<Stored> {
  const { orderId } = request.params;
  if (orderId === undefined || !ORDER_ID.test(orderId)) throw new HttpError(400, `${orderId} is not an order id`);
  const fileName = String(request.raw.headers["x-file-name"] ?? "");
  const final = join(dir, orderId);
  if (await exists(final)) throw new HttpError(409, `order ${orderId} already has a file`);
  const incoming = join(dir, ".incoming", `${orderId}.${randomBytes(4).toString("hex")}`);
  const hash = createHash("sha256");
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(new HttpError(413, `the file exceeds ${maxBytes} bytes`));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    // The request is piped, not part of the pipeline: a pipeline would destroy the connection on a
    // size error, and the client would never hear the 413.
    const written = pipeline(meter, createWriteStream(incoming, { flags: "wx" }));
    request.raw.on("aborted", () => meter.destroy(new Error("the client went away mid-upload")));
    request.raw.pipe(meter);
    await written;
    if (bytes === 0) throw new HttpError(400, "the file is empty");
    const sha256 = hash.digest("hex");
    const meta = {
      orderId,
      fileName,
      bytes,
      sha256,
      customerId: String(request.raw.headers["x-customer-id"] ?? ""),
      storedAt: new Date().toISOString(),
    };
    await writeFile(`${incoming}.json`, JSON.stringify(meta));
    // The metadata is renamed last: a file counts as stored only once its metadata is there.
    await rename(incoming, final);
    await rename(`${incoming}.json`, `${final}.json`);
    trace.getActiveSpan()?.setAttributes({ "shop.file.bytes": bytes, "shop.file.sha256": sha256 });
    sendJson(response, 201, { bytes, sha256 });
    return { orderId, fileName, bytes };
  } catch (error) {
    await rm(incoming, { force: true });
    await rm(`${incoming}.json`, { force: true });
    if (error instanceof HttpError) throw error;
    const span = trace.getActiveSpan();
    if (span) markFailed(span, error);
    throw new HttpError(500, `the file could not be stored: ${(error as Error).message}`);
  }
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );
