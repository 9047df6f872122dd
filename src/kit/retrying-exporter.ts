import { setTimeout as sleep } from "node:timers/promises";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

/*
 * The SDK's OTLP/gRPC exporter sends each batch once: a collector restarting, or pushing back while
 * its memory limiter refuses data, costs every batch exported meanwhile. The OTLP specification names
 * the gRPC codes worth sending again; on those the batch is sent again after an exponential back-off
 * with jitter, for as long as the budget allows. The budget and one last send's own 10 s timeout stay
 * under the batch processor's 30 s export timeout, so one batch never outlives the processor's wait.
 */

/** CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS. */
const RETRYABLE_GRPC_CODES = new Set([1, 4, 8, 10, 11, 14, 15]);

export interface RetryPolicy {
  /** From the first send to the last, in all. */
  budgetMs: number;
  /** The first wait; each next one doubles, up to maxBackoffMs. */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { budgetMs: 15_000, initialBackoffMs: 500, maxBackoffMs: 5_000 };

const grpcCode = (error: Error | undefined): number | undefined => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "number" ? code : undefined;
};

function isRetryable(result: ExportResult): boolean {
  const code = grpcCode(result.error);
  return result.code === ExportResultCode.FAILED && code !== undefined && RETRYABLE_GRPC_CODES.has(code);
}

export class RetryingSpanExporter implements SpanExporter {
  /** Aborted at shutdown: stopping must not wait out the retry budget. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly inner: SpanExporter,
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    void this.send(spans).then(resultCallback);
  }

  private async send(spans: ReadableSpan[]): Promise<ExportResult> {
    const giveUpAt = Date.now() + this.policy.budgetMs;
    const { signal } = this.stopping;
    let backoff = this.policy.initialBackoffMs;
    for (;;) {
      const result = await new Promise<ExportResult>((resolve) => this.inner.export(spans, resolve));
      // Half to all of the back-off, so that services cut off together do not come back together.
      const wait = backoff * (0.5 + Math.random() / 2);
      if (!isRetryable(result) || signal.aborted || Date.now() + wait >= giveUpAt) return result;
      await sleep(wait, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return result;
      backoff = Math.min(backoff * 2, this.policy.maxBackoffMs);
    }
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.stopping.abort();
    return this.inner.shutdown();
  }
}
