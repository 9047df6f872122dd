import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from "fastify";
import { errors as joseErrors } from "jose";
import type { Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { parseEndpoint, type HostPort } from "../endpoint/endpoint.js";
import { AccessLimits } from "../schema/description.js";
import { durationMs, mebibytes } from "../schema/units.js";
import type { AuditEvent, AuditStore } from "./audit/store.js";
import type { ResolvedGatewayConfig } from "./gateway-config.js";
import { bearerChallenge, clientOf, principalOf, type Principal } from "./principal.js";
import { RateLimiter } from "./rate-limit.js";
import { searchAsPartner, searchAsPartnerV3 } from "./partner-search.js";
import {
  attributeFilter,
  partnerOf,
  readAnswer,
  readPartnerSearch,
  readPartnerSearchV3,
  upstreamParams,
  withheldSearchKeys,
  type Reading,
} from "./reading.js";
import { mayPerform, ROUTES, type Route } from "./routes.js";
import type { TokenVerifier } from "./token-verifier.js";
import { queryJaeger, ResultTooLarge, UpstreamTimeout } from "./upstream.js";

/** Sent on every answer: the API is read by scripts and the Jaeger UI's XHR, never framed or cached. */
const SECURITY_HEADERS = {
  "strict-transport-security": "max-age=63072000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
} as const;

/** Per-client rate when the description sets no limits (outside production only); the other bounds take the schema's defaults. */
const UNSET_RATE = { rate: 10, burst: 20 } as const;

export interface GatewayOptions {
  config: ResolvedGatewayConfig;
  verifier: TokenVerifier;
  audit: AuditStore;
  /** Override of config.upstream.query_url (a test's Jaeger on a free port). */
  upstreamUrl?: string;
  /** Override of config.access.listen. */
  listen?: { host: string; port: number };
}

export interface Gateway {
  url: string;
  close(): Promise<void>;
}

interface Outcome {
  reading: Reading;
  /** Who a verified token names, when it is refused all the same. */
  who?: Who;
  outcome: AuditEvent["outcome"];
  reason?: string;
  headers?: Record<string, string>;
}

type Who = Pick<AuditEvent, "subject" | "role" | "partner" | "clientId">;
const NOBODY: Who = { subject: null, role: null, partner: null, clientId: null };

const refused = (status: number, reason: string, message: string, headers?: Record<string, string>): Outcome => ({
  reading: { status, body: { error: message }, traceIds: [] },
  outcome: "refused",
  reason,
  ...(headers && { headers }),
});

/** Query parameters as the audit records them: a repeated one (`tag`, `traceID`) as the list of its values. */
function paramsOf(params: URLSearchParams): Record<string, string | string[]> {
  return Object.fromEntries(
    [...new Set(params.keys())].map((key) => {
      const values = params.getAll(key);
      return [key, values.length === 1 ? (values[0] as string) : values];
    }),
  );
}

function whoIs(principal: Principal): Who {
  return {
    subject: principal.subject,
    clientId: principal.clientId,
    role: principal.kind === "staff" ? principal.role : null,
    partner: principal.kind === "partner" ? principal.partner : null,
  };
}

/** Why jose refused a token, for the audit log; the client hears only that it is not valid. */
function tokenFailure(error: unknown): string {
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `${error.code} (${error.claim}): ${error.message}`;
  if (error instanceof joseErrors.JOSEError) return `${error.code}: ${error.message}`;
  return `token verification failed: ${(error as Error).message}`;
}

/**
 * A missing trace is answered as soon as Jaeger says so; another partner's is fetched and filtered
 * first. Holding both to one deadline leaves nothing to time.
 */
function holdUntil(deadline: number): Promise<void> {
  const remaining = deadline - performance.now();
  return remaining > 0 ? new Promise((resolve) => setTimeout(resolve, remaining)) : Promise.resolve();
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { access } = options.config;
  if (!access.tls || access.tls === "off")
    throw new Error(`the gateway serves HTTPS only: access.tls is off in environment ${options.config.environment}`);
  const limits =
    access.limits ?? (Value.Default(AccessLimits, { ...UNSET_RATE }) as Required<Static<typeof AccessLimits>>);
  const tls = access.tls;
  const [cert, key, ca] = await Promise.all([
    readFile(tls.cert_file, "utf8"),
    readFile(tls.key_file, "utf8"),
    readFile(tls.ca_file, "utf8"),
  ]);
  const upstreamUrl = options.upstreamUrl ?? options.config.upstream.query_url;
  const limiter = new RateLimiter(limits.rate, limits.burst);
  const timeoutMs = durationMs(limits.query_timeout);
  const lookupTimeMs = durationMs(limits.partner_lookup_time);
  const maxBytes = mebibytes(limits.max_result) * 1024 * 1024;

  const app = Fastify({
    https: {
      cert,
      key,
      ca,
      minVersion: tls.min_version === "1.2" ? "TLSv1.2" : "TLSv1.3",
      requestCert: tls.client_auth === "required",
      rejectUnauthorized: tls.client_auth === "required",
    },
    bodyLimit: limits.max_body,
    routerOptions: { maxParamLength: 200 },
    connectionTimeout: timeoutMs + 5000,
    requestTimeout: timeoutMs + 5000,
    logger: false,
  });

  async function finish(
    request: FastifyRequest,
    reply: FastifyReply,
    action: string,
    who: Who,
    started: number,
    result: Outcome,
  ): Promise<FastifyReply> {
    const url = new URL(request.url, "https://gateway.invalid");
    const event: AuditEvent = {
      at: new Date(),
      ...who,
      action,
      query: { method: request.method, path: url.pathname.slice(0, 512), params: paramsOf(url.searchParams) },
      traceIds: result.reading.traceIds,
      outcome: result.outcome,
      status: result.reading.status,
      latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
      ...(result.reason !== undefined && { reason: result.reason }),
    };
    // Nothing is served that was not recorded: an audit store that fails turns the answer into a 503.
    const recorded = await options.audit.append(event).then(
      () => true,
      () => false,
    );
    const { status, body } = recorded ? result.reading : { status: 503, body: { error: "audit log unavailable" } };
    return reply
      .code(status)
      .headers({ ...(recorded ? result.headers : {}) })
      .type("application/json; charset=utf-8")
      .send(JSON.stringify(body));
  }

  async function authenticate(request: FastifyRequest): Promise<Principal | Outcome> {
    const header = request.headers.authorization;
    if (header === undefined)
      return refused(401, "no token", "a bearer token is required", { "www-authenticate": 'Bearer realm="traces"' });
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
    if (!match)
      return refused(401, "malformed authorization header", "malformed authorization header", {
        "www-authenticate": bearerChallenge("invalid_request", "expected: Authorization: Bearer <token>"),
      });
    let claims;
    try {
      claims = await options.verifier.verify(match[1] as string);
    } catch (error) {
      return refused(401, tokenFailure(error), "the access token is not valid", {
        "www-authenticate": bearerChallenge("invalid_token", "the access token is not valid"),
      });
    }
    const principal = principalOf(claims, access);
    if ("status" in principal)
      return {
        ...refused(
          principal.status,
          principal.reason,
          principal.status === 401 ? "step-up authentication required" : "forbidden",
          { "www-authenticate": principal.challenge },
        ),
        who: { ...NOBODY, subject: claims.sub ?? null, clientId: clientOf(claims) },
      };
    return principal;
  }

  async function serve(route: Route, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const started = performance.now();
    const end = (who: Who, outcome: Outcome) => finish(request, reply, route.action, who, started, outcome);
    if (request.url.length > limits.max_url_length)
      return end(NOBODY, refused(414, `request target of ${request.url.length} bytes`, "request target too long"));
    const authenticated = await authenticate(request);
    const principal = "reading" in authenticated ? undefined : authenticated;
    const who = principal ? whoIs(principal) : ((authenticated as Outcome).who ?? NOBODY);
    const wait = limiter.take(who.clientId ?? who.subject ?? `address:${request.ip}`);
    if (wait > 0)
      return end(
        who,
        refused(429, "rate limit", "too many requests", { "retry-after": String(Math.max(1, Math.ceil(wait))) }),
      );
    if (!principal) return end(who, authenticated as Outcome);
    if (!mayPerform(principal, route.action, access.staff.manager_flow_health_only))
      return end(who, refused(403, `${route.action} not allowed`, "not allowed for this reader"));
    const url = new URL(request.url, "https://gateway.invalid");
    const withheld = withheldSearchKeys(route, url.searchParams, attributeFilter(principal, access));
    if (withheld.length > 0)
      return end(
        who,
        refused(
          403,
          `search by withheld attributes ${withheld.join(", ")}`,
          "search by an attribute this reader cannot see",
        ),
      );
    const params = upstreamParams(route, url.searchParams, limits.max_traces);
    const query = params.size > 0 ? `?${params}` : "";
    const partner = partnerOf(principal, access);
    // A search by trace id is no search: Jaeger returns those traces, filtered below like any other.
    const entryServices =
      partner && route.action === "search" && !url.searchParams.has("traceID")
        ? access.partners?.entry_services
        : undefined;
    // One query timeout for all the Jaeger queries a request makes.
    const deadline = performance.now() + timeoutMs;
    const ask = (path: string) =>
      queryJaeger(`${upstreamUrl}${path}`, {
        timeoutMs: Math.max(1, Math.ceil(deadline - performance.now())),
        maxBytes,
      });
    const lookup = (params: URLSearchParams) => ask(`/api/traces?${params}`);
    try {
      const reading = !(partner && entryServices)
        ? readAnswer(route, principal, access, await ask(`${url.pathname}${query}`))
        : route.api === "ui"
          ? readPartnerSearch(
              await searchAsPartner(url.searchParams, entryServices, partner, limits.max_traces, lookup),
              principal,
              access,
            )
          : readPartnerSearchV3(
              await searchAsPartnerV3(
                url.searchParams,
                entryServices,
                partner,
                { maxTraces: limits.max_traces, maxBytes },
                { lookup, fetchTrace: (traceId) => ask(`/api/v3/traces/${traceId}`) },
              ),
              principal,
              access,
            );
      if (principal.kind === "partner" && route.action === "trace" && reading.status === 404)
        await holdUntil(started + lookupTimeMs);
      if (reading.withheld !== undefined) return end(who, { reading, outcome: "refused", reason: reading.withheld });
      return end(who, { reading, outcome: reading.status < 500 ? "allowed" : "error" });
    } catch (error) {
      if (error instanceof UpstreamTimeout)
        return end(who, { ...refused(504, error.message, "query timed out"), outcome: "error" });
      if (error instanceof ResultTooLarge)
        return end(who, refused(413, error.message, "result too large: narrow the search or lower its limit"));
      return end(who, {
        ...refused(502, `Jaeger unreachable: ${(error as Error).message}`, "trace store unavailable"),
        outcome: "error",
      });
    }
  }

  app.addHook("onSend", async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  for (const route of ROUTES) {
    app.get(route.path, (request, reply) => serve(route, request, reply));
    app.route({
      method: ["POST", "PUT", "PATCH", "DELETE"],
      url: route.path,
      handler: (request, reply) =>
        finish(request, reply, route.action, NOBODY, performance.now(), {
          ...refused(405, `method ${request.method}`, "the trace API is read-only", { allow: "GET, HEAD" }),
        }),
    });
  }
  app.setNotFoundHandler((request, reply) =>
    finish(request, reply, "unknown", NOBODY, performance.now(), refused(404, "no such endpoint", "not found")),
  );
  app.setErrorHandler((error: FastifyError, request, reply) =>
    finish(
      request,
      reply,
      "unknown",
      NOBODY,
      performance.now(),
      refused(error.statusCode && error.statusCode < 500 ? error.statusCode : 400, error.message, "bad request"),
    ),
  );

  const listen = options.listen ?? (parseEndpoint(access.listen) as HostPort);
  await app.listen({ host: listen.host, port: listen.port });
  const address = app.server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return { url: `https://${host}:${address.port}`, close: () => app.close() };
}
