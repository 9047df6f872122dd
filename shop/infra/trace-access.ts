import { randomBytes } from "node:crypto";
import * as OTPAuth from "otpauth";
import { parse } from "yaml";
import { openAuditStore } from "../../src/access/audit/store.js";
import { checkGatewayConfig, type ResolvedGatewayConfig } from "../../src/access/gateway-config.js";
import { startGateway } from "../../src/access/server.js";
import { discoverTokenVerifier } from "../../src/access/token-verifier.js";
import { generate } from "../../src/orchestrate/generate.js";
import { loadDescriptionFile } from "../../src/load/description.js";
import { makeTlsMaterial, type TlsMaterial } from "../../src/replay/tls-material.js";
import { tempDir } from "../../src/process/child.js";
import {
  startIdentityProvider,
  TRACES_SCOPE,
  type IdentityProvider,
  type PartnerClient,
  type StaffUser,
} from "./identity-provider.js";
import { setUpAuditLog } from "./audit-log.js";
import type { Postgres } from "./postgres.js";
import { Stops } from "./stack.js";

/*
 * Trace access for the running shop: the identity provider with the shop's staff and partners, and
 * the gateway in front of the shop's Jaeger, configured from tracing.yaml's dev environment with this
 * run's addresses and certificates, auditing to the shop's PostgreSQL as a role that may only append.
 */

export const AUDIENCE = "https://traces.shop3d.example";

/** tracing.yaml's dev gateway.yaml as `tracegen build` writes it, pointed at this run's issuer and certificates. */
export async function devGatewayConfig(
  tls: TlsMaterial,
  issuer: string,
  descriptionFile: string,
): Promise<ResolvedGatewayConfig> {
  const loaded = await loadDescriptionFile(descriptionFile);
  if (!loaded.ok) throw new Error(`${descriptionFile} does not load`);
  const file = generate(loaded.loaded, { environments: ["dev"] }).outputs[0]?.files.find(
    (f) => f.path === "dev/gateway.yaml",
  );
  if (!file) throw new Error(`${descriptionFile} has no access section for dev`);
  const config = checkGatewayConfig(parse(file.content), file.path);
  config.access.issuer = issuer;
  config.access.tls = {
    ca_file: tls.caFile,
    cert_file: tls.collector.certFile,
    key_file: tls.collector.keyFile,
    min_version: "1.3",
    client_auth: "none",
  };
  return config;
}

export interface StaffSignIn extends StaffUser {
  role: string;
}

export interface TraceAccess {
  gatewayUrl: string;
  issuer: string;
  caFile: string;
  /** The audit log in the shop's PostgreSQL, as its reader role (SELECT only). */
  auditUrl: string;
  idp: IdentityProvider;
  staff: StaffSignIn[];
  partners: PartnerClient[];
  stop(): Promise<void>;
}

const secret = () => randomBytes(12).toString("base64url");

export async function startTraceAccess(options: {
  jaegerQueryUrl: string;
  postgres: Postgres;
  descriptionFile: string;
  /** The database the audit log goes in (the shop's own, beside its tables); a new one when not given. */
  auditDatabase?: string;
  /** Replaces the description's limits (a benchmark measures latency, not the rate limit). */
  limits?: NonNullable<ResolvedGatewayConfig["access"]["limits"]>;
}): Promise<TraceAccess> {
  return Stops.startOrUndo(undefined, async (stops) => {
    const dir = await tempDir("shop-access-");
    stops.onStop("certificates", () => dir.remove());
    const tls = await makeTlsMaterial(dir.path);
    const totp = () => new OTPAuth.Secret().base32;
    const staff: StaffSignIn[] = [
      {
        login: "sam",
        role: "support",
        password: secret(),
        totpSecret: totp(),
        groups: ["trace-support"],
        active: true,
      },
      {
        login: "dana",
        role: "developer",
        password: secret(),
        totpSecret: totp(),
        groups: ["trace-developers"],
        active: true,
      },
      {
        login: "max",
        role: "manager",
        password: secret(),
        totpSecret: totp(),
        groups: ["shop-managers"],
        active: true,
      },
      {
        login: "pat",
        role: "support, password only (refused: no second factor)",
        password: secret(),
        groups: ["trace-support"],
        active: true,
      },
    ];
    const partners: PartnerClient[] = ["A", "B"].map((id) => ({
      clientId: `partner-${id.toLowerCase()}`,
      clientSecret: secret(),
      partnerId: id,
      scopes: [TRACES_SCOPE],
    }));
    const idp = await startIdentityProvider({
      audience: AUDIENCE,
      tls: { cert: tls.sink.cert, key: tls.sink.key },
      staff,
      partners,
    });
    stops.add("identity provider", idp);
    const auditDatabase = options.auditDatabase ?? "audit";
    if (options.auditDatabase === undefined) await options.postgres.createDatabase(auditDatabase);
    const auditLog = await setUpAuditLog(options.postgres, auditDatabase);
    const audit = await openAuditStore(auditLog.writerUrl);
    stops.onStop("audit store", () => audit.close());
    const config = await devGatewayConfig(tls, idp.issuer, options.descriptionFile);
    if (options.limits) config.access.limits = options.limits;
    const verifier = await discoverTokenVerifier(config.access, { issuerCa: tls.ca.toString() });
    const gateway = await startGateway({
      config,
      verifier,
      audit,
      upstreamUrl: options.jaegerQueryUrl,
      // Port 0: the system picks a free one as the gateway binds it, so no other process can take it first.
      listen: { host: "127.0.0.1", port: 0 },
    });
    stops.onStop("gateway", () => gateway.close());
    return {
      gatewayUrl: gateway.url,
      issuer: idp.issuer,
      caFile: tls.caFile,
      auditUrl: auditLog.readerUrl,
      idp,
      staff,
      partners,
      stop: () => stops.stopAll(),
    };
  });
}
