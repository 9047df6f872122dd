import { createHash, randomBytes } from "node:crypto";
import { httpsRequest, type HttpsAnswer } from "./https-client.js";

/*
 * Getting access tokens from the shop's identity provider the way its clients do: staff through the
 * authorization-code flow with PKCE (signing in on the provider's form with password and TOTP code),
 * partners with client credentials.
 */

export class SignInRefused extends Error {}

interface Issuer {
  issuer: string;
  ca: Buffer | string;
}

const form = (values: Record<string, string>) => new URLSearchParams(values).toString();
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

function accessTokenOf(answer: HttpsAnswer): string {
  const body = answer.json<{ access_token?: string; error?: string; error_description?: string }>();
  if (answer.status !== 200 || !body.access_token)
    throw new SignInRefused(
      `token endpoint: ${answer.status} ${body.error ?? ""} ${body.error_description ?? ""}`.trim(),
    );
  return body.access_token;
}

export async function partnerToken(
  idp: Issuer,
  client: { clientId: string; clientSecret: string },
  resource: string,
  scope?: string,
): Promise<string> {
  const answer = await httpsRequest(`${idp.issuer}/token`, {
    method: "POST",
    ca: idp.ca,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: basic(client.clientId, client.clientSecret),
    },
    body: form({ grant_type: "client_credentials", resource, ...(scope !== undefined && { scope }) }),
  });
  return accessTokenOf(answer);
}

/** Cookies the provider sets during one sign-in, sent back on the next step. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(answer: HttpsAnswer): void {
    const set = answer.headers["set-cookie"] ?? [];
    for (const line of set) {
      const [pair] = line.split(";");
      const at = (pair ?? "").indexOf("=");
      if (at > 0) this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

export async function staffToken(
  idp: Issuer & { console: { clientId: string; clientSecret: string; redirectUri: string } },
  user: { login: string; password: string; otp?: string },
  resource: string,
): Promise<string> {
  const jar = new CookieJar();
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const step = async (url: string, init: { method?: string; body?: string } = {}) => {
    const answer = await httpsRequest(new URL(url, idp.issuer).toString(), {
      ca: idp.ca,
      method: init.method ?? "GET",
      headers: {
        cookie: jar.header(),
        ...(init.body !== undefined && { "content-type": "application/x-www-form-urlencoded" }),
      },
      ...(init.body !== undefined && { body: init.body }),
    });
    jar.take(answer);
    return answer;
  };
  const authorize = `${idp.issuer}/auth?${form({
    client_id: idp.console.clientId,
    response_type: "code",
    scope: "openid traces:read",
    redirect_uri: idp.console.redirectUri,
    resource,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: randomBytes(8).toString("hex"),
  })}`;
  let answer = await step(authorize);
  const interaction = answer.headers.location;
  if (answer.status !== 303 || !interaction) throw new SignInRefused(`authorize: ${answer.status} ${answer.text()}`);
  answer = await step(interaction, {
    method: "POST",
    body: form({ login: user.login, password: user.password, ...(user.otp !== undefined && { otp: user.otp }) }),
  });
  // Back to the authorization endpoint, then to the redirect URI with the code (or an error).
  for (
    let hops = 0;
    hops < 5 && answer.headers.location && !answer.headers.location.startsWith(idp.console.redirectUri);
    hops++
  )
    answer = await step(answer.headers.location);
  const location = answer.headers.location;
  if (!location?.startsWith(idp.console.redirectUri))
    throw new SignInRefused(`sign-in: ${answer.status} ${answer.text()}`);
  const redirect = new URL(location);
  const code = redirect.searchParams.get("code");
  if (!code)
    throw new SignInRefused(`sign-in refused: ${redirect.searchParams.get("error_description") ?? redirect.search}`);
  const token = await httpsRequest(`${idp.issuer}/token`, {
    method: "POST",
    ca: idp.ca,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: basic(idp.console.clientId, idp.console.clientSecret),
    },
    body: form({
      grant_type: "authorization_code",
      code,
      redirect_uri: idp.console.redirectUri,
      code_verifier: verifier,
      resource,
    }),
  });
  return accessTokenOf(token);
}
