import { createRemoteJWKSet, customFetch, jwtVerify, type JWTPayload } from "jose";
import { durationMs } from "../schema/units.js";
import type { ResolvedGatewayConfig } from "./gateway-config.js";
import { issuerFetch } from "./issuer-fetch.js";

export interface TokenVerifier {
  /** The token's claims when its signature, issuer, audience and validity period hold; throws otherwise. */
  verify(token: string): Promise<JWTPayload>;
}

export class IssuerDiscoveryError extends Error {}

const ISSUER_TIMEOUT_MS = 5000;

/**
 * Verification against any standard issuer: its OpenID discovery document names the key set, keys
 * are fetched (and refetched for a new kid, at most every 30 s) by jose. Only the configured
 * asymmetric algorithms are accepted, so `alg: none` and an HMAC keyed with a public key never verify.
 */
export async function discoverTokenVerifier(
  access: ResolvedGatewayConfig["access"],
  options: { issuerCa?: string } = {},
): Promise<TokenVerifier> {
  const fetchFromIssuer = issuerFetch({
    ...(options.issuerCa && { ca: options.issuerCa }),
    timeoutMs: ISSUER_TIMEOUT_MS,
  });
  const discoveryUrl = `${access.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  const discovery = await fetchFromIssuer(discoveryUrl).then(
    async (res) => (res.ok ? ((await res.json()) as Record<string, unknown>) : undefined),
    (error: Error) => {
      throw new IssuerDiscoveryError(`${discoveryUrl}: ${error.message}`);
    },
  );
  if (!discovery || discovery["issuer"] !== access.issuer || typeof discovery["jwks_uri"] !== "string")
    throw new IssuerDiscoveryError(`${discoveryUrl} is not the discovery document of ${access.issuer}`);
  const keys = createRemoteJWKSet(new URL(discovery["jwks_uri"]), {
    timeoutDuration: ISSUER_TIMEOUT_MS,
    [customFetch]: fetchFromIssuer,
  });
  const clockTolerance = durationMs(access.clock_skew) / 1000;
  return {
    async verify(token) {
      const { payload } = await jwtVerify(token, keys, {
        issuer: access.issuer,
        audience: access.audiences,
        algorithms: access.algorithms,
        clockTolerance,
        requiredClaims: ["exp", "sub"],
      });
      return payload;
    },
  };
}
