import type { JWTPayload } from "jose";
import type { StaffRole } from "../schema/description.js";
import type { ResolvedGatewayConfig } from "./gateway-config.js";

export type Principal =
  | { kind: "staff"; subject: string; clientId: string | null; role: StaffRole }
  | { kind: "partner"; subject: string; clientId: string | null; partner: string };

/** Why a verified token still may not read: status, audit reason and the WWW-Authenticate challenge. */
export interface Refusal {
  status: 401 | 403;
  reason: string;
  challenge: string;
}

type Access = ResolvedGatewayConfig["access"];

const quoted = (text: string) => `"${text.replace(/["\\]/g, "")}"`;

export function bearerChallenge(error: string, description: string, extra: Record<string, string> = {}): string {
  const params = { error, error_description: description, ...extra };
  return `Bearer ${Object.entries(params)
    .map(([k, v]) => `${k}=${quoted(v)}`)
    .join(", ")}`;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.filter((v): v is string => typeof v === "string")
    : typeof value === "string"
      ? [value]
      : [];

/** RFC 9068 names the client `client_id`; some issuers only set `azp`. */
export const clientOf = (claims: JWTPayload): string | null =>
  strings(claims["client_id"])[0] ?? strings(claims["azp"])[0] ?? null;

/**
 * Who a verified token speaks for. A token carrying the partner claim is a partner's client
 * credentials; any other is a staff member's, who must be active, hold a mapped role and show a
 * second factor.
 */
export function principalOf(claims: JWTPayload, access: Access): Principal | Refusal {
  const subject = claims.sub as string;
  const clientId = clientOf(claims);
  const partners = access.partners;
  if (partners && claims[partners.partner_claim] !== undefined) {
    const partner = strings(claims[partners.partner_claim])[0];
    if (!partner)
      return {
        status: 401,
        reason: "partner claim is not a string",
        challenge: bearerChallenge("invalid_token", "malformed partner claim"),
      };
    const scopes = strings(claims["scope"]).flatMap((s) => s.split(" "));
    if (!scopes.includes(partners.scope))
      return {
        status: 403,
        reason: `partner token without scope ${partners.scope}`,
        challenge: bearerChallenge("insufficient_scope", `the ${partners.scope} scope is required`, {
          scope: partners.scope,
        }),
      };
    return { kind: "partner", subject, clientId, partner };
  }
  const { staff } = access;
  if (claims[staff.active_claim] !== true)
    return {
      status: 403,
      reason: "account is not active",
      challenge: bearerChallenge("invalid_token", "account is not active"),
    };
  const roles = new Set(strings(claims[staff.role_claim]).flatMap((value) => staff.roles[value] ?? []));
  const role = (["support", "developer", "manager"] as const).find((r) => roles.has(r));
  if (!role)
    return {
      status: 403,
      reason: "no trace-reading role",
      challenge: bearerChallenge("insufficient_scope", "no role that may read traces"),
    };
  const mfaMissing = missingSecondFactor(claims, staff.mfa);
  if (mfaMissing) return mfaMissing;
  return { kind: "staff", subject, clientId, role };
}

/** RFC 9470 step-up: a staff token without the required second factor or acr is answered with a challenge. */
function missingSecondFactor(claims: JWTPayload, mfa: Access["staff"]["mfa"]): Refusal | undefined {
  if (!mfa) return undefined;
  const amr = strings(claims["amr"]);
  const secondFactor = amr.some((method) => mfa.amr.includes(method));
  const acrHeld = mfa.min_acr === undefined || claims["acr"] === mfa.min_acr;
  if (secondFactor && acrHeld) return undefined;
  const description = secondFactor
    ? `authentication context ${mfa.min_acr} is required`
    : `a second factor (${mfa.amr.join(", ")}) is required`;
  return {
    status: 401,
    reason: secondFactor
      ? `acr ${String(claims["acr"])} below ${mfa.min_acr}`
      : `no second factor in amr [${amr.join(", ")}]`,
    challenge: bearerChallenge("insufficient_user_authentication", description, {
      ...(mfa.min_acr !== undefined && { acr_values: mfa.min_acr }),
    }),
  };
}
