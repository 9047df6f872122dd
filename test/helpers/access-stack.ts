import { readFile } from "node:fs/promises";
import type { JWK } from "jose";
import pg from "pg";
import * as OTPAuth from "otpauth";
import { openAuditStore, type AuditEvent, type AuditStore } from "../../src/access/audit/store.js";
import type { ResolvedGatewayConfig } from "../../src/access/gateway-config.js";
import { startGateway, type Gateway } from "../../src/access/server.js";
import { discoverTokenVerifier } from "../../src/access/token-verifier.js";
import { makeTlsMaterial, type TlsMaterial } from "../../src/replay/tls-material.js";
import { httpsRequest, type HttpsAnswer } from "../../shop/driver/https-client.js";
import { seedPartnerTraces, type PartnerTraces } from "../../shop/driver/partner-traces.js";
import { partnerToken, staffToken } from "../../shop/driver/sign-in.js";
import { tempDir } from "../../src/process/child.js";
import {
  newSigningKey,
  ORDERS_SCOPE,
  startIdentityProvider,
  TRACES_SCOPE,
  type IdentityProvider,
} from "../../shop/infra/identity-provider.js";
import { startJaeger, type Jaeger } from "../../shop/infra/jaeger.js";
import { Stops } from "../../shop/infra/stack.js";
import { AUDIENCE, devGatewayConfig } from "../../shop/infra/trace-access.js";
import { setUpAuditLog } from "../../shop/infra/audit-log.js";
import { startPostgres, type Postgres } from "../../shop/infra/postgres.js";
import { repoPath } from "./repo.js";

/*
 * The trace access stack the tests run against, all real: Jaeger v2 (build/jaeger) holding traces
 * of partner A, partner B and an internal flow sent by the OpenTelemetry JS SDK over OTLP/gRPC;
 * the shop's oidc-provider issuing tokens over HTTPS; PostgreSQL holding the audit log, set up by
 * `tracegen audit setup-sql`, appended to with the gateway's INSERT and SELECT grants only; and the
 * gateway, configured from the dev environment of tracing.yaml with this run's addresses.
 */

export { AUDIENCE };

export const PASSWORDS = { support: "support-pass-1", developer: "developer-pass-1", manager: "manager-pass-1" };

export interface AccessStack {
  tls: TlsMaterial;
  jaeger: Jaeger;
  idp: IdentityProvider;
  signingKey: JWK;
  postgres: Postgres;
  /** The audit log as its reader role (SELECT only). */
  auditUrl: string;
  /** The audit log as the gateway's role (INSERT and SELECT only). */
  auditWriterUrl: string;
  config: ResolvedGatewayConfig;
  traces: PartnerTraces;
  /** The user's TOTP secret, for the second factor at sign-in. */
  totp: Record<string, string>;
  tokens: {
    support: string;
    developer: string;
    manager: string;
    partnerA: string;
    partnerB: string;
  };
  /** A gateway on a free port with this stack's issuer, Jaeger and audit log; limits may be changed. */
  startGateway(change?: (config: ResolvedGatewayConfig) => void, upstreamUrl?: string): Promise<Gateway>;
  auditEvents(): Promise<AuditEvent[]>;
  get(
    gateway: Gateway,
    path: string,
    token?: string,
    init?: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<HttpsAnswer>;
  stop(): Promise<void>;
}

const otp = (secret: string) => new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate();

export async function startAccessStack(): Promise<AccessStack> {
  const stops = new Stops();
  try {
    const dir = await tempDir("access-");
    stops.onStop("certificates", () => dir.remove());
    const tls = await makeTlsMaterial(dir.path);
    const [jaeger, postgres] = await Promise.all([
      startJaeger().then((j) => stops.add("Jaeger", j)),
      startPostgres().then((p) => stops.add("PostgreSQL", p)),
    ]);
    await postgres.createDatabase("audit");
    const auditLog = await setUpAuditLog(postgres, "audit");
    const auditUrl = auditLog.readerUrl;
    const totp = {
      support: new OTPAuth.Secret().base32,
      developer: new OTPAuth.Secret().base32,
      manager: new OTPAuth.Secret().base32,
      inactive: new OTPAuth.Secret().base32,
    };
    const signingKey = await newSigningKey();
    const idp = await startIdentityProvider({
      audience: AUDIENCE,
      tls: { cert: tls.sink.cert, key: tls.sink.key },
      signingKey,
      staff: [
        {
          login: "sam",
          password: PASSWORDS.support,
          totpSecret: totp.support,
          groups: ["trace-support"],
          active: true,
        },
        {
          login: "dana",
          password: PASSWORDS.developer,
          totpSecret: totp.developer,
          groups: ["trace-developers"],
          active: true,
        },
        {
          login: "max",
          password: PASSWORDS.manager,
          totpSecret: totp.manager,
          groups: ["shop-managers"],
          active: true,
        },
        { login: "pat", password: "password-only-1", groups: ["trace-support"], active: true },
        {
          login: "ivy",
          password: "inactive-pass-1",
          totpSecret: totp.inactive,
          groups: ["trace-support"],
          active: false,
        },
      ],
      partners: [
        { clientId: "partner-a", clientSecret: "partner-a-secret", partnerId: "A", scopes: [TRACES_SCOPE] },
        { clientId: "partner-b", clientSecret: "partner-b-secret", partnerId: "B", scopes: [TRACES_SCOPE] },
        { clientId: "partner-c", clientSecret: "partner-c-secret", partnerId: "C", scopes: [ORDERS_SCOPE] },
      ],
    });
    stops.add("identity provider", idp);
    const issuer = { ...idp, ca: tls.ca };
    const traces = await seedPartnerTraces(jaeger);
    const tokens = {
      support: await staffToken(
        issuer,
        { login: "sam", password: PASSWORDS.support, otp: otp(totp.support) },
        AUDIENCE,
      ),
      developer: await staffToken(
        issuer,
        { login: "dana", password: PASSWORDS.developer, otp: otp(totp.developer) },
        AUDIENCE,
      ),
      manager: await staffToken(
        issuer,
        { login: "max", password: PASSWORDS.manager, otp: otp(totp.manager) },
        AUDIENCE,
      ),
      partnerA: await partnerToken(
        issuer,
        { clientId: "partner-a", clientSecret: "partner-a-secret" },
        AUDIENCE,
        TRACES_SCOPE,
      ),
      partnerB: await partnerToken(
        issuer,
        { clientId: "partner-b", clientSecret: "partner-b-secret" },
        AUDIENCE,
        TRACES_SCOPE,
      ),
    };
    const config = await devGatewayConfig(tls, idp.issuer, repoPath("tracing.yaml"));
    const audits: AuditStore[] = [];
    stops.onStop("audit stores", async () => {
      for (const a of audits) await a.close();
    });
    const ca = await readFile(tls.caFile);
    return {
      tls,
      jaeger,
      idp,
      signingKey,
      postgres,
      auditUrl,
      auditWriterUrl: auditLog.writerUrl,
      config,
      traces,
      totp,
      tokens,
      async startGateway(change, upstreamUrl) {
        const own = structuredClone(config);
        change?.(own);
        const audit = await openAuditStore(auditLog.writerUrl);
        audits.push(audit);
        const verifier = await discoverTokenVerifier(own.access, { issuerCa: ca.toString() });
        const gateway = await startGateway({
          config: own,
          verifier,
          audit,
          upstreamUrl: upstreamUrl ?? jaeger.queryUrl,
          listen: { host: "127.0.0.1", port: 0 },
        });
        stops.onStop("gateway", () => gateway.close());
        return gateway;
      },
      async auditEvents() {
        const client = new pg.Client({ connectionString: auditUrl });
        await client.connect();
        try {
          const rows = await client.query<{ record: string }>("SELECT record FROM audit.access_events ORDER BY seq");
          return rows.rows.map((r) => JSON.parse(r.record) as AuditEvent);
        } finally {
          await client.end();
        }
      },
      get: (gateway, path, token, init = {}) =>
        httpsRequest(`${gateway.url}${path}`, {
          ca,
          method: init.method ?? "GET",
          headers: { ...(token !== undefined && { authorization: `Bearer ${token}` }), ...init.headers },
          ...(init.body !== undefined && { body: init.body }),
        }),
      stop: () => stops.stopAll(),
    };
  } catch (error) {
    await stops.stopAll();
    throw error;
  }
}

export const totpCode = otp;
