import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { ClientRequest, IncomingMessage, ServerResponse } from "node:http";
import { createRequire, syncBuiltinESMExports } from "node:module";
import type { Socket } from "node:net";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import {
  getRPCMetadata,
  isTracingSuppressed,
  RPCType,
  setRPCMetadata,
  suppressTracing,
  type RPCMetadata,
} from "@opentelemetry/core";
import type { KitContextManager } from "./context-manager.js";
import { failureOf } from "./flow-context.js";

/*
 * A server span per request and a client span per outgoing call, with the stable HTTP semantic
 * conventions, and traceparent, tracestate and baggage carried across. Node 20 announces a server's
 * requests and responses on diagnostics channels, before the handler runs: the server side needs no
 * patching, only the request's context made current. Its client channels announce a request only once
 * its headers are sent, too late to add traceparent, so `request` and `get` of node:http and node:https
 * are wrapped; a call outside any trace passes straight through. What the instrumentation cannot know
 * is the route template (`/orders/:id`, not `/orders/42`): the router says it with `setRoute`.
 */

export interface HttpTracing {
  tracer: Tracer;
  contextManager: KitContextManager;
  /** Request paths that make no span, nor do the calls made while handling them. */
  ignorePaths: readonly string[];
}

/** Starts tracing HTTP; returns what stops it. */
export function instrumentHttp(options: HttpTracing): () => void {
  const ignored = new Set(options.ignorePaths);
  const onServerRequest = (message: unknown) => {
    const { request, response, socket } = message as {
      request: IncomingMessage;
      response: ServerResponse;
      socket: Socket;
    };
    startServerSpan(options, ignored, request, response, socket);
  };
  const onClientResponse = (message: unknown) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    endClientSpan(request, response);
  };
  const onClientError = (message: unknown) => {
    const { request, error } = message as { request: ClientRequest; error: Error };
    failClientSpan(request, error);
  };
  subscribe("http.server.request.start", onServerRequest);
  subscribe("http.client.response.finish", onClientResponse);
  subscribe("http.client.request.error", onClientError);
  const restore = wrapClients(options.tracer);
  return () => {
    unsubscribe("http.server.request.start", onServerRequest);
    unsubscribe("http.client.response.finish", onClientResponse);
    unsubscribe("http.client.request.error", onClientError);
    restore();
  };
}

/** Names the current request's server span by its route; the name is set when the response ends. */
export function setRoute(route: string): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type === RPCType.HTTP) metadata.route = route;
  trace.getActiveSpan()?.setAttribute("http.route", route);
}

function startServerSpan(
  { tracer, contextManager }: HttpTracing,
  ignored: ReadonlySet<string>,
  request: IncomingMessage,
  response: ServerResponse,
  socket: Socket,
): void {
  const target = request.url ?? "/";
  const queryAt = target.indexOf("?");
  const path = queryAt < 0 ? target : target.slice(0, queryAt);
  // The context is entered for every request, traced or not: it stays with the connection, and the
  // next request on a kept-alive connection must not run in the previous one's.
  if (ignored.has(path)) return contextManager.enter(suppressTracing(ROOT_CONTEXT));
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const method = knownMethod(request.method);
  const host = hostAndPort(request.headers.host);
  const userAgent = request.headers["user-agent"];
  const attributes: Attributes = {
    "http.request.method": method,
    "url.scheme": (socket as Socket & { encrypted?: boolean }).encrypted ? "https" : "http",
    "url.path": path,
    "client.address": forwardedFor(request.headers["x-forwarded-for"]) ?? socket.remoteAddress,
    "network.peer.address": socket.remoteAddress,
    "network.peer.port": socket.remotePort,
    "network.protocol.version": request.httpVersion,
  };
  if (queryAt >= 0) attributes["url.query"] = target.slice(queryAt + 1);
  if (method === OTHER_METHOD) attributes["http.request.method_original"] = request.method;
  if (host !== undefined) attributes["server.address"] = host.name;
  if (host?.port !== undefined) attributes["server.port"] = host.port;
  if (userAgent !== undefined) attributes["user_agent.original"] = userAgent;
  const span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes }, parent);
  const metadata: RPCMetadata = { type: RPCType.HTTP, span };
  contextManager.enter(setRPCMetadata(trace.setSpan(parent, span), metadata));
  response.once("close", () => endServerSpan(span, method, metadata, response));
}

function endServerSpan(span: Span, method: string, metadata: RPCMetadata, response: ServerResponse): void {
  const status = response.statusCode;
  span.setAttribute("http.response.status_code", status);
  if (metadata.route !== undefined) span.updateName(`${method} ${metadata.route}`);
  if (!response.writableFinished)
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: failureOf(span) ?? "the connection closed before the response was sent",
    });
  else if (status >= 500) {
    span.setAttribute("error.type", String(status));
    // The reason the handler gave, if it gave one (markFailed), is what belongs in the status.
    span.setStatus({ code: SpanStatusCode.ERROR, message: failureOf(span) });
  }
  span.end();
}

const clientSpans = new WeakMap<ClientRequest, Span>();

type RequestFunction = (...args: unknown[]) => ClientRequest;

function wrapClients(tracer: Tracer): () => void {
  const require = createRequire(import.meta.url);
  const restores = ["node:http", "node:https"].map((name) => {
    const module = require(name) as { request: RequestFunction; get: RequestFunction };
    const { request, get } = module;
    const traced = tracedRequest(request, tracer);
    module.request = traced;
    module.get = function tracedGet(this: unknown, ...args: unknown[]) {
      const call = traced.apply(this, args);
      call.end();
      return call;
    };
    return () => {
      module.request = request;
      module.get = get;
    };
  });
  // Named ESM imports of node:http (`import { request } from "node:http"`) see the wrapped functions too.
  syncBuiltinESMExports();
  return () => {
    for (const restore of restores) restore();
    syncBuiltinESMExports();
  };
}

function tracedRequest(original: RequestFunction, tracer: Tracer): RequestFunction {
  return function request(this: unknown, ...args: unknown[]) {
    const parent = context.active();
    // A call made outside any trace (a readiness probe of a dependency) starts none.
    if (trace.getSpan(parent) === undefined || isTracingSuppressed(parent)) return original.apply(this, args);
    const at = typeof args[0] === "string" || args[0] instanceof URL ? 1 : 0;
    const given = (typeof args[at] === "object" && args[at] !== null ? args[at] : undefined) as
      { method?: string; headers?: unknown } | undefined;
    const method = knownMethod(given?.method ?? "GET");
    const span = tracer.startSpan(method, { kind: SpanKind.CLIENT }, parent);
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, span), carrier);
    const options = { ...given, headers: withHeaders(given?.headers, carrier) };
    const callArgs = given === undefined ? [...args.slice(0, at), options, ...args.slice(at)] : [...args];
    callArgs[at] = options;
    const last = callArgs.length - 1;
    if (typeof callArgs[last] === "function") callArgs[last] = context.bind(parent, callArgs[last]);
    let call: ClientRequest;
    try {
      call = original.apply(this, callArgs);
    } catch (error) {
      failSpan(span, error as Error);
      throw error;
    }
    clientSpans.set(call, span);
    const hostHeader = call.getHeader("host");
    const authority = typeof hostHeader === "string" ? hostHeader : call.host;
    const host = hostAndPort(authority);
    const attributes: Attributes = {
      "http.request.method": method,
      "server.address": host?.name ?? call.host,
      "server.port": host?.port ?? (call.protocol === "https:" ? 443 : 80),
      "url.full": `${call.protocol}//${authority}${call.path}`,
    };
    if (method === OTHER_METHOD) attributes["http.request.method_original"] = call.method;
    span.setAttributes(attributes);
    return call;
  };
}

function endClientSpan(request: ClientRequest, response: IncomingMessage): void {
  const span = clientSpans.get(request);
  if (span === undefined) return;
  clientSpans.delete(request);
  const status = response.statusCode ?? 0;
  span.setAttributes({
    "http.response.status_code": status,
    "network.peer.address": response.socket?.remoteAddress,
    "network.peer.port": response.socket?.remotePort,
    "network.protocol.version": response.httpVersion,
  });
  if (status >= 400) {
    span.setAttribute("error.type", String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

function failClientSpan(request: ClientRequest, error: Error): void {
  const span = clientSpans.get(request);
  if (span === undefined) return;
  clientSpans.delete(request);
  failSpan(span, error);
}

function failSpan(span: Span, error: Error): void {
  span.recordException(error);
  span.setAttribute("error.type", (error as NodeJS.ErrnoException).code ?? error.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  span.end();
}

/** The caller's headers (an object or a flat name/value list) plus the propagation headers. */
function withHeaders(headers: unknown, carrier: Record<string, string>): unknown {
  if (Array.isArray(headers)) return [...headers, ...Object.entries(carrier).flat()];
  return { ...(headers as Record<string, unknown> | undefined), ...carrier };
}

const OTHER_METHOD = "_OTHER";
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);

/** A method the conventions know, or _OTHER: a method is a metric dimension, and clients choose it. */
const knownMethod = (method: string | undefined): string =>
  method !== undefined && KNOWN_METHODS.has(method) ? method : OTHER_METHOD;

const HOST = /^(\[[0-9a-fA-F:.]{2,45}\]|[a-zA-Z0-9.-]{1,253})(?::(\d{1,5}))?$/;

/** A Host header split into name and port; anything that is not a host name or address is left out. */
function hostAndPort(host: string | undefined): { name: string; port?: number } | undefined {
  const match = host === undefined ? null : HOST.exec(host);
  if (match === null) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  return port === undefined || port > 65535 ? { name: match[1]! } : { name: match[1]!, port };
}

/** The original client a proxy names first in X-Forwarded-For, when it looks like an address. */
function forwardedFor(header: string | string[] | undefined): string | undefined {
  const first = (Array.isArray(header) ? header[0] : header)?.split(",", 1)[0]?.trim();
  return first !== undefined && /^[0-9a-fA-F:.]{2,45}$/.test(first) ? first : undefined;
}
