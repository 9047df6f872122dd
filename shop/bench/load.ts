/*
 * Closed-loop load: `concurrency` workers each run the operation back to back until `count` have
 * completed. Latency is measured per operation; a failed operation fails the run (an overhead figure
 * over failures would mean nothing).
 */

export interface LoadResult {
  latenciesMs: number[];
  wallMs: number;
}

export async function runLoad(
  count: number,
  concurrency: number,
  operation: (i: number) => Promise<void>,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const t = performance.now();
      await operation(i);
      latenciesMs.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latenciesMs, wallMs: performance.now() - started };
}
