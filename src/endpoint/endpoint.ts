/**
 * The one reading of an address: `host:port` (an IPv6 host in brackets, `[::1]:4317`) or an
 * `${env:VAR}` the collector resolves at start-up. Hosts are held without brackets; `formatHostPort`
 * puts them back. Pure functions, no name resolution: `localhost` is loopback by name.
 */

export interface HostPort {
  /** Without IPv6 brackets; "" when the address names no host (every interface). */
  host: string;
  port: number;
}

export type Endpoint = { env: string } | HostPort;

export class EndpointError extends Error {}

const ENV_REFERENCE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** The variable an `${env:VAR}` names, or undefined when the value is not one. */
export const envVariable = (value: string): string | undefined => ENV_REFERENCE.exec(value)?.[1];

export const isEnvReference = (value: string): boolean => envVariable(value) !== undefined;

/** Host (brackets removed) and port text of `host:port`, or undefined when the text has no port or an IPv6 host lacks brackets. */
function split(text: string): { host: string; port: string } | undefined {
  const match = /^(?:\[([^\]]*)\]|([^[\]:]*)):([0-9]+)$/.exec(text);
  if (!match) return undefined;
  return { host: match[1] ?? match[2] ?? "", port: match[3] as string };
}

/** An address or an env reference; throws EndpointError when it is neither, or the port is past 65535. */
export function parseEndpoint(text: string): Endpoint {
  const env = envVariable(text);
  if (env !== undefined) return { env };
  const parts = split(text);
  if (!parts) throw new EndpointError(`not a host:port or \${env:VAR}: ${text}`);
  const port = Number(parts.port);
  if (port > 65535) throw new EndpointError(`port ${parts.port} of ${text} is past 65535`);
  return { host: parts.host, port };
}

/** A `host:port` that must be one here and now (an env reference is an error). */
export function parseHostPort(text: string): HostPort {
  const endpoint = parseEndpoint(text);
  if ("env" in endpoint) throw new EndpointError(`${text} is only known where the collector runs`);
  return endpoint;
}

export const formatHostPort = ({ host, port }: HostPort): string =>
  `${host.includes(":") ? `[${host}]` : host}:${port}`;

const unbracket = (host: string): string => host.replace(/^\[(.*)\]$/, "$1");

/** Whether a host (bracketed or not) names every interface: none, 0.0.0.0 or ::. */
export const isWildcardHost = (host: string): boolean => ["", "0.0.0.0", "::"].includes(unbracket(host));

/** Whether a host (bracketed or not) is this machine only: localhost, 127.x.x.x or ::1. */
export function isLoopbackHost(host: string): boolean {
  const bare = unbracket(host).toLowerCase();
  return bare === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(bare) || bare === "::1";
}

/** Whether a host:port only accepts connections from this machine. An ${env:...} is unknown, so not loopback. */
export function isLoopback(endpoint: string): boolean {
  const parts = split(endpoint);
  return parts !== undefined && isLoopbackHost(parts.host);
}

/** The host of a host:port as written there, brackets removed; undefined for an env reference. */
export const hostOf = (endpoint: string): string | undefined => split(endpoint)?.host;

/** The port text of a host:port; undefined for an env reference. */
export const portOf = (endpoint: string): string | undefined => split(endpoint)?.port;
