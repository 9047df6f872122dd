/** Per-client token buckets: `burst` requests at once, refilled at `rate` per second. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** 0 when the request may go; otherwise the seconds until the client's next token. */
  take(client: string): number {
    const now = this.now();
    const bucket = this.buckets.get(client) ?? { tokens: this.burst, at: now };
    const tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    if (tokens >= 1) {
      this.buckets.set(client, { tokens: tokens - 1, at: now });
      this.evictFull(now);
      return 0;
    }
    this.buckets.set(client, { tokens, at: now });
    return (1 - tokens) / this.rate;
  }

  /** A full bucket is the same as no bucket: forget those, so many one-off clients do not pile up. */
  private evictFull(now: number): void {
    if (this.buckets.size < 10_000) return;
    for (const [client, bucket] of this.buckets)
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.rate >= this.burst) this.buckets.delete(client);
  }
}
