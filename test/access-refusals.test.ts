import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, importJWK, SignJWT, UnsecuredJWT, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "../src/access/server.js";
import { durationMs } from "../src/schema/units.js";
import { staffToken, partnerToken } from "../shop/driver/sign-in.js";
import { AUDIENCE, startAccessStack, totpCode, type AccessStack } from "./helpers/access-stack.js";

/*
 * Every way a token or a request is refused, each with its status and its audit record. Tokens an
 * honest identity provider never issues are forged here with jose, signed with the provider's own
 * key where the defect is in the claims, so only the defect can be the reason; a forged token
 * without a defect is accepted, which shows the forging itself is sound.
 */

describe("trace access refusals", () => {
  let stack: AccessStack;
  let gateway: Gateway;
  const now = () => Math.floor(Date.now() / 1000);
  const path = () => `/api/traces/${stack.traces.a.traceId}`;
  const lookupTime = "100ms";

  beforeAll(async () => {
    stack = await startAccessStack();
    gateway = await stack.startGateway((config) => {
      config.access.limits = {
        ...config.access.limits!,
        rate: 1000,
        burst: 1000,
        max_url_length: 2048,
        partner_lookup_time: lookupTime,
      };
    });
  }, 120_000);
  afterAll(async () => stack?.stop(), 60_000);

  const staffClaims = (): JWTPayload => ({
    iss: stack.idp.issuer,
    aud: AUDIENCE,
    sub: "sam",
    client_id: "trace-console",
    scope: "traces:read",
    groups: ["trace-support"],
    active: true,
    amr: ["pwd", "otp"],
    iat: now(),
    exp: now() + 300,
  });

  async function signedByIdp(claims: JWTPayload): Promise<string> {
    const key = await importJWK(stack.signingKey, "ES256");
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: stack.signingKey.kid!, typ: "at+jwt" })
      .sign(key);
  }

  async function lastAudit() {
    const events = await stack.auditEvents();
    return events[events.length - 1]!;
  }

  async function expectRefused(token: string, status: number, reason: RegExp, challenge?: RegExp) {
    const answer = await stack.get(gateway, path(), token);
    expect(answer.status).toBe(status);
    expect(answer.text()).not.toContain(stack.traces.a.orderId);
    if (challenge) expect(answer.headers["www-authenticate"]).toMatch(challenge);
    const event = await lastAudit();
    expect(event).toMatchObject({ outcome: "refused", status, traceIds: [] });
    expect(event.reason).toMatch(reason);
    return { answer, event };
  }

  it("accepts a forged token without a defect (the forging below is sound)", async () => {
    const answer = await stack.get(gateway, path(), await signedByIdp(staffClaims()));
    expect(answer.status).toBe(200);
    expect(answer.text()).toContain(stack.traces.a.orderId);
    expect(await lastAudit()).toMatchObject({ outcome: "allowed", role: "support", subject: "sam" });
  });

  it("refuses an expired token", async () => {
    await expectRefused(
      await signedByIdp({ ...staffClaims(), iat: now() - 900, exp: now() - 120 }),
      401,
      /ERR_JWT_EXPIRED/,
      /error="invalid_token"/,
    );
  });

  it("accepts a token expired within the clock skew", async () => {
    const answer = await stack.get(gateway, path(), await signedByIdp({ ...staffClaims(), exp: now() - 5 }));
    expect(answer.status).toBe(200);
  });

  it("refuses a token not yet valid", async () => {
    await expectRefused(await signedByIdp({ ...staffClaims(), nbf: now() + 600 }), 401, /nbf/, /invalid_token/);
  });

  it("refuses a token of another issuer", async () => {
    await expectRefused(await signedByIdp({ ...staffClaims(), iss: "https://id.attacker.example" }), 401, /iss/);
  });

  it("refuses a token for another audience", async () => {
    await expectRefused(await signedByIdp({ ...staffClaims(), aud: "https://crm.shop3d.example" }), 401, /aud/);
  });

  it("refuses alg: none", async () => {
    await expectRefused(
      new UnsecuredJWT(staffClaims()).encode(),
      401,
      /ERR_JOSE_ALG_NOT_ALLOWED|ERR_JWS_INVALID|ERR_JOSE_NOT_SUPPORTED/,
    );
  });

  it("refuses HS256 keyed with the provider's public key", async () => {
    const { d: _private, ...publicJwk } = stack.signingKey;
    for (const secret of [
      JSON.stringify(publicJwk),
      JSON.stringify(await exportJWK(await importJWK(publicJwk, "ES256"))),
    ]) {
      const token = await new SignJWT(staffClaims())
        .setProtectedHeader({ alg: "HS256", kid: stack.signingKey.kid! })
        .sign(new TextEncoder().encode(secret));
      await expectRefused(token, 401, /ERR_JOSE_ALG_NOT_ALLOWED/);
    }
  });

  it("refuses a key id the provider does not publish", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const token = await new SignJWT(staffClaims())
      .setProtectedHeader({ alg: "ES256", kid: "kid-nobody-published" })
      .sign(privateKey);
    await expectRefused(token, 401, /ERR_JWKS_NO_MATCHING_KEY/);
  });

  it("refuses the provider's kid on a signature by another key", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const token = await new SignJWT(staffClaims())
      .setProtectedHeader({ alg: "ES256", kid: stack.signingKey.kid! })
      .sign(privateKey);
    await expectRefused(token, 401, /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
  });

  it("challenges a staff token without a second factor to step up (RFC 9470)", async () => {
    const token = await staffToken(
      { ...stack.idp, ca: stack.tls.ca },
      { login: "pat", password: "password-only-1" },
      AUDIENCE,
    );
    const { answer, event } = await expectRefused(
      token,
      401,
      /no second factor in amr \[pwd\]/,
      /^Bearer error="insufficient_user_authentication", error_description="[^"]+"/,
    );
    expect(answer.json()).toEqual({ error: "step-up authentication required" });
    expect(event).toMatchObject({ subject: "pat", clientId: "trace-console", role: null });
  });

  it("names the required acr in the challenge when the description sets min_acr", async () => {
    const strict = await stack.startGateway((config) => {
      config.access.staff.mfa = { amr: ["otp"], min_acr: "urn:shop3d:loa:3" };
    });
    const answer = await stack.get(strict, path(), stack.tokens.support);
    expect(answer.status).toBe(401);
    expect(answer.headers["www-authenticate"]).toMatch(/error="insufficient_user_authentication"/);
    expect(answer.headers["www-authenticate"]).toMatch(/acr_values="urn:shop3d:loa:3"/);
    expect((await lastAudit()).reason).toMatch(/acr urn:shop3d:loa:2 below urn:shop3d:loa:3/);
  });

  it("refuses an inactive account", async () => {
    const token = await staffToken(
      { ...stack.idp, ca: stack.tls.ca },
      { login: "ivy", password: "inactive-pass-1", otp: totpCode(stack.totp["inactive"]!) },
      AUDIENCE,
    );
    await expectRefused(token, 403, /account is not active/);
  });

  it("does not sign in with a wrong TOTP code", async () => {
    await expect(
      staffToken(
        { ...stack.idp, ca: stack.tls.ca },
        { login: "sam", password: "support-pass-1", otp: "000000" },
        AUDIENCE,
      ),
    ).rejects.toThrow(/sign-in refused/);
  });

  it("refuses a partner token without traces:read", async () => {
    const token = await partnerToken(
      { ...stack.idp, ca: stack.tls.ca },
      { clientId: "partner-c", clientSecret: "partner-c-secret" },
      AUDIENCE,
      "orders:write",
    );
    const { event } = await expectRefused(token, 403, /without scope traces:read/, /error="insufficient_scope"/);
    expect(event).toMatchObject({ partner: null, clientId: "partner-c", subject: "partner-c" });
  });

  it("answers partner A's request for partner B's trace exactly as for a trace that does not exist", async () => {
    const other = await stack.get(gateway, `/api/traces/${stack.traces.b.traceId}`, stack.tokens.partnerA);
    expect(await lastAudit()).toMatchObject({
      outcome: "refused",
      partner: "A",
      status: 404,
      reason: expect.stringMatching(/another partner/),
    });
    const missing = await stack.get(gateway, `/api/traces/${randomBytes(16).toString("hex")}`, stack.tokens.partnerA);
    expect(await lastAudit()).toMatchObject({ outcome: "allowed", partner: "A", status: 404 });
    expect(other.status).toBe(404);
    expect(other.body.equals(missing.body)).toBe(true);
    const { date: _a, ...otherHeaders } = other.headers;
    const { date: _b, ...missingHeaders } = missing.headers;
    expect(otherHeaders).toEqual(missingHeaders);
  });

  it("takes no measurably longer for another partner's trace than for a missing one", async () => {
    const floor = durationMs(lookupTime);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const time = async (id: string) => {
      const started = performance.now();
      await stack.get(gateway, `/api/traces/${id}`, stack.tokens.partnerA);
      return performance.now() - started;
    };
    // Paired and in alternating order, so a slow moment of a busy machine weighs on both kinds alike.
    const other: number[] = [];
    const missing: number[] = [];
    for (let i = 0; i < 60; i++) {
      const absent = randomBytes(16).toString("hex");
      if (i % 2 === 0) {
        other.push(await time(stack.traces.b.traceId));
        missing.push(await time(absent));
      } else {
        missing.push(await time(absent));
        other.push(await time(stack.traces.b.traceId));
      }
    }
    const difference = median(other.map((o, i) => o - missing[i]!));
    process.stdout.write(
      `partner oracle timing: other partner's trace ${median(other).toFixed(2)} ms, missing trace ${median(missing).toFixed(2)} ms, paired difference ${difference.toFixed(2)} ms (median of 60 pairs)\n`,
    );
    expect(median(missing)).toBeGreaterThanOrEqual(floor);
    expect(Math.abs(difference)).toBeLessThan(2);
  }, 60_000);

  it("refuses a search by an attribute the reader cannot see, which would point at the trace holding it", async () => {
    const byOrder = `/api/traces?service=crm-api&lookback=1h&tags=${encodeURIComponent(JSON.stringify({ "order.id": "ord-a-1" }))}`;
    const support = await stack.get(gateway, byOrder, stack.tokens.support);
    expect(support.status).toBe(200);
    expect(support.json<{ data: Array<{ traceID: string }> }>().data.map((t) => t.traceID)).toEqual([
      stack.traces.a.traceId,
    ]);
    const developer = await stack.get(gateway, byOrder, stack.tokens.developer);
    expect(developer.status).toBe(403);
    expect(await lastAudit()).toMatchObject({
      outcome: "refused",
      role: "developer",
      reason: "search by withheld attributes order.id",
    });
    const partnerInternal = await stack.get(
      gateway,
      "/api/traces?service=crm-api&lookback=1h&tag=internal.margin:0.42",
      stack.tokens.partnerA,
    );
    expect(partnerInternal.status).toBe(403);
    expect(await lastAudit()).toMatchObject({
      outcome: "refused",
      partner: "A",
      reason: "search by withheld attributes internal.margin",
    });
    const partnerOwn = await stack.get(gateway, byOrder, stack.tokens.partnerA);
    expect(partnerOwn.status).toBe(200);
    const partnerOther = await stack.get(gateway, byOrder, stack.tokens.partnerB);
    expect(partnerOther.json<{ data: unknown[] }>().data).toEqual([]);
  });

  it("refuses partners the dependency graph", async () => {
    const answer = await stack.get(
      gateway,
      `/api/dependencies?endTs=${Date.now()}&lookback=3600000`,
      stack.tokens.partnerB,
    );
    expect(answer.status).toBe(403);
    expect(await lastAudit()).toMatchObject({ outcome: "refused", partner: "B", action: "dependencies", status: 403 });
  });

  it("refuses a malformed Authorization header", async () => {
    const answer = await stack.get(gateway, path(), undefined, { headers: { authorization: "Basic c2FtOnB3" } });
    expect(answer.status).toBe(401);
    expect(answer.headers["www-authenticate"]).toMatch(/error="invalid_request"/);
    expect(await lastAudit()).toMatchObject({
      outcome: "refused",
      status: 401,
      reason: "malformed authorization header",
    });
  });

  it("refuses a request target over the limit with 414, before looking at the token", async () => {
    const answer = await stack.get(gateway, `/api/traces?service=crm-api&x=${"a".repeat(3000)}`, stack.tokens.support);
    expect(answer.status).toBe(414);
    expect(await lastAudit()).toMatchObject({ outcome: "refused", status: 414, subject: null });
  });

  it("refuses a request body over the limit before reading it whole, and records it", async () => {
    const answer = await stack.get(gateway, "/api/traces", stack.tokens.support, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ padding: "x".repeat(64 * 1024) }),
    });
    expect(answer.status).toBe(413);
    expect(await lastAudit()).toMatchObject({ outcome: "refused", status: 413, subject: null });
  });

  it("serves reads only: other methods and unknown paths are refused and recorded", async () => {
    const post = await stack.get(gateway, "/api/traces", stack.tokens.support, { method: "DELETE" });
    expect(post.status).toBe(405);
    expect(post.headers["allow"]).toBe("GET, HEAD");
    expect(await lastAudit()).toMatchObject({ outcome: "refused", status: 405, action: "search" });
    const ui = await stack.get(gateway, "/search", stack.tokens.support);
    expect(ui.status).toBe(404);
    expect(await lastAudit()).toMatchObject({ outcome: "refused", status: 404, action: "unknown" });
  });
});
