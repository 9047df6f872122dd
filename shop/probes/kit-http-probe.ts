/*
 * A traced HTTP server for the kit's HTTP tests, started the way every shop service is: tracing first,
 * then the code that uses node:http. It prints its address, serves until stdin closes, then flushes.
 *
 *   GET /hello  calls GET /inner on itself (a client span) and answers 200; its route is /hello
 *   GET /inner  answers 200
 *   GET /fail   marks its span failed and answers 500
 *   GET /healthz (ignored) calls /inner too: neither makes a span
 *   GET /down   calls a port nothing listens on and answers 502
 */
import { markFailed, setRoute, startTracing } from "../../src/kit/index.js";

const tracing = startTracing({ serviceName: "kit-http-probe", ignorePaths: ["/healthz"] });
const http = await import("node:http");
const { trace } = await import("@opentelemetry/api");

const get = (url: string): Promise<number> =>
  new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
      })
      .on("error", reject);
  });

const server = http.createServer((request, response) => {
  const base = `http://localhost:${(server.address() as { port: number }).port}`;
  const path = (request.url ?? "/").split("?")[0];
  const answer = (status: number) => response.writeHead(status).end();
  if (path === "/inner") return answer(200);
  if (path === "/fail") {
    setRoute("/fail");
    markFailed(trace.getActiveSpan()!, new Error("the probe failed on purpose"));
    return answer(500);
  }
  if (path === "/down")
    return void get("http://localhost:1/").then(
      () => answer(200),
      () => answer(502),
    );
  if (path === "/hello") setRoute("/hello");
  void get(`${base}/inner`).then(() => answer(200));
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
process.stdin.resume();
process.stdin.on("end", () => {
  server.close();
  server.closeAllConnections();
  void tracing.shutdown().then(() => process.exit(0));
});
