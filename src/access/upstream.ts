/** Jaeger's answer to one query, read whole but never beyond the result size limit. */
export interface UpstreamAnswer {
  status: number;
  body: Buffer;
}

export class UpstreamTimeout extends Error {}
export class ResultTooLarge extends Error {}

export async function queryJaeger(
  url: string,
  limits: { timeoutMs: number; maxBytes: number },
): Promise<UpstreamAnswer> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    const response = await fetch(url, { signal, redirect: "error" });
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > limits.maxBytes) {
      await response.body?.cancel();
      throw new ResultTooLarge(`Jaeger's answer of ${declared} bytes is over the limit of ${limits.maxBytes}`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += chunk.length;
      if (size > limits.maxBytes)
        throw new ResultTooLarge(`Jaeger's answer is over the limit of ${limits.maxBytes} bytes`);
      chunks.push(chunk);
    }
    return { status: response.status, body: Buffer.concat(chunks) };
  } catch (error) {
    if (signal.aborted) throw new UpstreamTimeout(`Jaeger did not answer within ${limits.timeoutMs} ms`);
    throw error;
  }
}
