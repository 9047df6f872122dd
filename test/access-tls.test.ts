import { Agent, type AgentOptions } from "node:https";
import { connect } from "node:net";
import { connect as connectTls, type ConnectionOptions } from "node:tls";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "../src/access/server.js";
import { tempDir } from "../src/process/child.js";
import { makeTlsMaterial, type KeyPair, type TlsMaterial } from "../src/replay/tls-material.js";
import { httpsRequest } from "../shop/driver/https-client.js";
import { startAccessStack, type AccessStack } from "./helpers/access-stack.js";

/*
 * The gateway's TLS as outside clients meet it: client certificates (`access.tls.client_auth:
 * required`) and the minimum version, with Node's https, curl and openssl s_client. A second CA,
 * made the same way as the gateway's, signs the certificate the gateway must not trust.
 */

describe("the trace gateway's TLS", () => {
  let stack: AccessStack;
  let foreign: TlsMaterial;
  let removeForeign: () => Promise<void>;
  /** client_auth: required, TLS 1.3 only (the description's default). */
  let mutual: Gateway;
  /** client_auth: required, TLS 1.2 allowed: the same client certificates, an older client. */
  let mutual12: Gateway;

  const withTls = (clientAuth: "none" | "required", minVersion: "1.2" | "1.3") =>
    stack.startGateway((config) => {
      const tls = config.access.tls;
      if (!tls || tls === "off") throw new Error("the dev gateway config has no TLS");
      config.access.tls = { ...tls, client_auth: clientAuth, min_version: minVersion };
    });

  beforeAll(async () => {
    stack = await startAccessStack();
    const dir = await tempDir("access-tls-");
    removeForeign = () => dir.remove();
    foreign = await makeTlsMaterial(dir.path);
    [mutual, mutual12] = await Promise.all([withTls("required", "1.3"), withTls("required", "1.2")]);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await removeForeign?.();
  }, 60_000);

  const services = (gateway: Gateway, client?: KeyPair, tls: AgentOptions = {}) =>
    httpsRequest(`${gateway.url}/api/services`, {
      ca: stack.tls.ca,
      headers: { authorization: `Bearer ${stack.tokens.support}` },
      agent: new Agent({ ca: stack.tls.ca, ...(client && { cert: client.cert, key: client.key }), ...tls }),
      timeoutMs: 10_000,
    });

  /**
   * How Node's TLS client fares when it only shakes hands and listens: with TLS 1.3 the server
   * checks a client certificate after the client has finished, so its refusal arrives as an alert
   * on the first read. Nothing is written, so no reset can overtake the alert.
   */
  const handshake = (gateway: Gateway, client?: KeyPair, tls: ConnectionOptions = {}) =>
    new Promise<string>((resolve, reject) => {
      const socket = connectTls({
        host: "127.0.0.1",
        port: Number(new URL(gateway.url).port),
        servername: "localhost",
        ca: stack.tls.ca,
        ...(client && { cert: client.cert, key: client.key }),
        ...tls,
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error("neither refused nor closed within 10 s"));
      }, 10_000);
      socket.on("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve(error.code ?? error.message);
      });
      socket.on("close", () => {
        clearTimeout(timer);
        resolve("closed");
      });
      socket.resume();
    });

  const curl = (gateway: Gateway, ...args: string[]) =>
    execa(
      "curl",
      [
        ...["-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}"],
        ...["--cacert", stack.tls.caFile, "-H", `Authorization: Bearer ${stack.tokens.support}`],
        ...args,
        `${gateway.url}/api/services`,
      ],
      { reject: false, timeout: 20_000 },
    );

  const curlCert = (pair: KeyPair) => ["--cert", pair.certFile, "--key", pair.keyFile];
  const opensslCert = (pair: KeyPair) => ["-cert", pair.certFile, "-key", pair.keyFile];

  const sClient = (gateway: Gateway, ...args: string[]) =>
    execa(
      "openssl",
      ["s_client", "-connect", new URL(gateway.url).host, "-CAfile", stack.tls.caFile, "-verify_return_error", ...args],
      {
        input: "GET /api/services HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        reject: false,
        timeout: 20_000,
      },
    );

  it("serves a client whose certificate the configured CA signed, to Node, curl and openssl", async () => {
    expect((await services(mutual, stack.tls.sender)).status).toBe(200);
    const byCurl = await curl(mutual, ...curlCert(stack.tls.sender));
    expect(byCurl.stderr).toBe("");
    expect(byCurl.stdout).toBe("200");
    const byOpenssl = await sClient(mutual, "-quiet", ...opensslCert(stack.tls.sender));
    // No token on this request: the handshake was accepted and the gateway answered at the HTTP level.
    expect(byOpenssl.stdout).toMatch(/^HTTP\/1\.1 401 /);
  });

  it("refuses the handshake to a client without a certificate, with the alert that says so", async () => {
    expect(await handshake(mutual)).toBe("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED");
    await expect(services(mutual)).rejects.toThrow();
    const byCurl = await curl(mutual);
    expect(byCurl.exitCode).toBe(56);
    expect(byCurl.stdout).toBe("000");
    expect(byCurl.stderr).toContain("tlsv13 alert certificate required");
    const byOpenssl = await sClient(mutual, "-quiet");
    expect(byOpenssl.stdout).toBe("");
    expect(byOpenssl.stderr).toContain("alert certificate required");
  });

  /*
   * OpenSSL only asks for a certificate; Node checks its chain once the handshake is done and, under
   * rejectUnauthorized, drops the connection before reading a byte of HTTP. So no alert names the
   * reason, and the client sees the connection end with no answer.
   */
  it("drops a client whose certificate another CA signed before any HTTP", async () => {
    expect(["closed", "ECONNRESET"]).toContain(await handshake(mutual, foreign.sender));
    await expect(services(mutual, foreign.sender)).rejects.toThrow();
    const byCurl = await curl(mutual, ...curlCert(foreign.sender));
    expect(byCurl.exitCode).not.toBe(0);
    expect(byCurl.stdout).toBe("000");
    const byOpenssl = await sClient(mutual, "-quiet", ...opensslCert(foreign.sender));
    expect(byOpenssl.stdout).toBe("");
  });

  it("refuses a TLS 1.2 client when the minimum is 1.3, and serves it when the minimum is 1.2", async () => {
    expect(await handshake(mutual, stack.tls.sender, { maxVersion: "TLSv1.2" })).toBe(
      "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
    );
    const byCurl = await curl(mutual, "--tls-max", "1.2", ...curlCert(stack.tls.sender));
    expect(byCurl.exitCode).toBe(35);
    expect(byCurl.stderr).toContain("tlsv1 alert protocol version");
    const refused = await sClient(mutual, "-tls1_2", "-brief", "-ign_eof", ...opensslCert(stack.tls.sender));
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain("alert protocol version");

    expect((await services(mutual12, stack.tls.sender, { maxVersion: "TLSv1.2" })).status).toBe(200);
    expect((await curl(mutual12, "--tls-max", "1.2", ...curlCert(stack.tls.sender))).stdout).toBe("200");
    const served = await sClient(mutual12, "-tls1_2", "-brief", "-ign_eof", ...opensslCert(stack.tls.sender));
    expect(served.stderr).toContain("Protocol version: TLSv1.2");
    expect(served.stdout).toMatch(/^HTTP\/1\.1 401 /);
    // Client certificates are required over TLS 1.2 all the same.
    expect(await handshake(mutual12, undefined, { maxVersion: "TLSv1.2" })).toBe(
      "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
    );
    expect(["closed", "ECONNRESET"]).toContain(await handshake(mutual12, foreign.sender, { maxVersion: "TLSv1.2" }));
  });

  it("records no request for a refused handshake, and keeps serving after many of them and bytes that are not TLS", async () => {
    const before = (await stack.auditEvents()).length;
    const refusals = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => services(mutual, i % 2 === 0 ? undefined : foreign.sender)),
    );
    expect(refusals.every((r) => r.status === "rejected")).toBe(true);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(new URL(mutual.url).port), "127.0.0.1", () =>
        socket.end("GET /api/services HTTP/1.1\r\nHost: x\r\n\r\n\u0000\u00ff"),
      );
      socket.setTimeout(10_000, () => reject(new Error("the gateway kept a plaintext connection open")));
      socket.on("close", () => resolve());
      socket.on("error", () => undefined);
      socket.resume();
    });
    // Nothing was served to them, so nothing was answered that the audit log could hold.
    expect((await stack.auditEvents()).length).toBe(before);
    expect((await services(mutual, stack.tls.sender)).status).toBe(200);
    expect((await stack.auditEvents()).length).toBe(before + 1);
  });
});
