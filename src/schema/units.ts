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
