/** Retries an attempt until it yields a value or the deadline passes, reporting the last failure. */
export async function eventually<T>(
  what: string,
  deadlineMs: number,
  attempt: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not happen within ${deadlineMs} ms${last ? `: ${String(last)}` : ""}`);
}
