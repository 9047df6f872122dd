const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Milliseconds in a duration that already passed the schema's pattern. */
export function durationMs(duration: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(duration);
  if (!match) throw new Error(`not a duration: ${duration}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** The number in a percentage such as "25%", which already passed the schema's pattern. */
export const percent = (value: string): number => Number(value.slice(0, -1));

/** The number of mebibytes in a size such as "2MiB", which already passed the schema's pattern. */
export const mebibytes = (value: string): number => Number(value.slice(0, -"MiB".length));

export const isEnvReference = (value: string): boolean => /^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$/.test(value);

/** Whether a host:port only accepts connections from this machine. An ${env:...} is unknown, so not loopback. */
export function isLoopback(endpoint: string): boolean {
  if (isEnvReference(endpoint)) return false;
  const host = endpoint.slice(0, endpoint.lastIndexOf(":")).replace(/^\[|\]$/g, "");
  return host === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(host) || host === "::1";
}
