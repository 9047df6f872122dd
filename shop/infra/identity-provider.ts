import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider, { type KoaContextWithOIDC } from "oidc-provider";
import * as OTPAuth from "otpauth";

/*
 * The shop's OpenID Connect provider: oidc-provider (OpenID-certified) over HTTPS on 127.0.0.1.
 * Staff sign in with a password and a TOTP code (so their tokens carry amr ["pwd", "otp"]); partners'
 * clients get tokens by client credentials. Access tokens are JWTs (RFC 9068) signed with an ES256 key
 * made at start, for the trace gateway's audience. The sign-in form answers plain HTTP POSTs, so a
 * script or a test signs in the way a browser would.
 */

export interface StaffUser {
  login: string;
  password: string;
  /** Base32 TOTP secret (an authenticator app's QR code holds the same), or none for a password-only account. */
  totpSecret?: string;
  groups: string[];
  active: boolean;
}

export interface PartnerClient {
  clientId: string;
  clientSecret: string;
  partnerId: string;
  /** Scopes the client may ask for; an empty list for a client that may not read traces. */
  scopes: string[];
}

export interface IdentityProviderOptions {
  /** Audience of the access tokens: the trace gateway. */
  audience: string;
  staff: StaffUser[];
  partners: PartnerClient[];
  tls: { cert: Buffer | string; key: Buffer | string };
  /** The claim holding a partner's id in its tokens. */
  partnerClaim?: string;
  /** The claim holding a staff member's groups. */
  groupsClaim?: string;
  /** A private ES256 JWK (with kid) to sign with instead of a key made at start. */
  signingKey?: JWK;
}

export interface IdentityProvider {
  issuer: string;
  /** The staff console's client, for the authorization-code flow. */
  console: { clientId: string; clientSecret: string; redirectUri: string };
  stop(): Promise<void>;
}

export const TRACES_SCOPE = "traces:read";
/** A scope partners hold for placing orders, not for reading traces. */
export const ORDERS_SCOPE = "orders:write";
const CONSOLE_ID = "trace-console";
export const CONSOLE_REDIRECT_URI = "https://127.0.0.1/signed-in";

interface Account {
  user: StaffUser;
  salt: Buffer;
  hash: Buffer;
}

const hashPassword = (password: string, salt: Buffer) => scryptSync(password, salt, 32);

function passwordMatches(account: Account, password: string): boolean {
  return timingSafeEqual(hashPassword(password, account.salt), account.hash);
}

function totpMatches(secret: string, code: string): boolean {
  const totp = new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret),
    algorithm: "SHA1",
    digits: 6,
    period: 30,
  });
  return totp.validate({ token: code, window: 1 }) !== null;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 4096) throw new Error("form too large");
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** A private ES256 JWK with a random kid. */
export async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString("hex"), alg: "ES256", use: "sig" };
}

export async function startIdentityProvider(options: IdentityProviderOptions): Promise<IdentityProvider> {
  const partnerClaim = options.partnerClaim ?? "partner_id";
  const groupsClaim = options.groupsClaim ?? "groups";
  const accounts = new Map<string, Account>(
    options.staff.map((user) => {
      const salt = randomBytes(16);
      return [user.login, { user, salt, hash: hashPassword(user.password, salt) }];
    }),
  );
  const signingKey = options.signingKey ?? (await newSigningKey());
  const consoleSecret = randomBytes(24).toString("base64url");

  // The issuer is only known once the server listens on a free port.
  let provider: Provider | undefined;
  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    if (!provider) return void res.writeHead(503).end();
    if (req.url?.startsWith("/interaction/")) return void signIn(provider, req, res);
    return void provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const resourceServer = {
    scope: TRACES_SCOPE,
    audience: options.audience,
    accessTokenFormat: "jwt" as const,
    accessTokenTTL: 600,
    jwt: { sign: { alg: "ES256" as const } },
  };

  provider = new Provider(issuer, {
    clients: [
      {
        client_id: CONSOLE_ID,
        client_secret: consoleSecret,
        redirect_uris: [CONSOLE_REDIRECT_URI],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        scope: `openid ${TRACES_SCOPE}`,
      },
      ...options.partners.map((p) => ({
        client_id: p.clientId,
        client_secret: p.clientSecret,
        grant_types: ["client_credentials"],
        redirect_uris: [],
        response_types: [],
        scope: p.scopes.join(" "),
        [partnerClaim]: p.partnerId,
      })),
    ],
    extraClientMetadata: { properties: [partnerClaim] },
    clientDefaults: { id_token_signed_response_alg: "ES256" },
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    scopes: ["openid", TRACES_SCOPE, ORDERS_SCOPE],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, resource: string) => {
          if (resource !== options.audience) throw new Error(`unknown resource ${resource}`);
          return resourceServer;
        },
      },
    },
    pkce: { required: () => true },
    interactions: {
      url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    // The console is the shop's own first-party app: staff are not asked to consent to it.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId || !ctx.oidc.client) return undefined;
      const grant = new ctx.oidc.provider.Grant({ accountId, clientId: ctx.oidc.client.clientId });
      grant.addOIDCScope(`openid ${TRACES_SCOPE}`);
      grant.addResourceScope(options.audience, TRACES_SCOPE);
      await grant.save();
      return grant;
    },
    findAccount: (_ctx: KoaContextWithOIDC, id: string) =>
      accounts.has(id) ? { accountId: id, claims: () => ({ sub: id }) } : undefined,
    extraTokenClaims: (ctx: KoaContextWithOIDC, token: { kind: string; accountId?: string }) => {
      if (token.kind === "ClientCredentials") {
        const partnerId = (ctx.oidc.client as unknown as Record<string, unknown> | undefined)?.[partnerClaim];
        return typeof partnerId === "string" ? { [partnerClaim]: partnerId } : undefined;
      }
      const account = token.accountId ? accounts.get(token.accountId) : undefined;
      const code = ctx.oidc.entities.AuthorizationCode;
      if (!account) return undefined;
      return {
        [groupsClaim]: account.user.groups,
        active: account.user.active,
        ...(code?.amr && { amr: code.amr }),
        ...(code?.acr && { acr: code.acr }),
        ...(code?.authTime && { auth_time: code.authTime }),
      };
    },
    ttl: {
      AccessToken: 600,
      ClientCredentials: 600,
      IdToken: 600,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
  });

  async function signIn(op: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const details = await op.interactionDetails(req, res);
      if (req.method !== "POST") {
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
        res.end(`Sign in: POST ${details.uid} with login, password and otp (form-encoded)\n`);
        return;
      }
      const form = await readForm(req);
      const account = accounts.get(form.get("login") ?? "");
      const ok = account !== undefined && passwordMatches(account, form.get("password") ?? "");
      const otp = form.get("otp");
      const secondFactor =
        ok && account.user.totpSecret !== undefined && otp !== null && totpMatches(account.user.totpSecret, otp);
      if (!ok || (account.user.totpSecret !== undefined && !secondFactor)) {
        await op.interactionFinished(req, res, {
          error: "access_denied",
          error_description: "wrong login, password or code",
        });
        return;
      }
      await op.interactionFinished(
        req,
        res,
        {
          login: {
            accountId: account.user.login,
            amr: secondFactor ? ["pwd", "otp"] : ["pwd"],
            acr: secondFactor ? "urn:shop3d:loa:2" : "urn:shop3d:loa:1",
          },
        },
        { mergeWithLastSubmission: false },
      );
    } catch (error) {
      if (!res.headersSent) res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
      res.end(`sign-in failed: ${(error as Error).message}\n`);
    }
  }

  return {
    issuer,
    console: { clientId: CONSOLE_ID, clientSecret: consoleSecret, redirectUri: CONSOLE_REDIRECT_URI },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
