/**
 * Something wrong with an OTLP input, pinned to where it is: a line (and column) for
 * OTLP/JSON lines, a byte offset for protobuf, plus the path inside the message.
 */
export interface OtlpProblem {
  file: string;
  line?: number;
  col?: number;
  offset?: number;
  /** e.g. resourceSpans[0].scopeSpans[1].spans[3].traceId */
  path?: string;
  message: string;
}

export function formatProblem(p: OtlpProblem): string {
  const where =
    p.line !== undefined
      ? `${p.file}:${p.line}${p.col !== undefined ? `:${p.col}` : ""}`
      : p.offset !== undefined
        ? `${p.file} (byte ${p.offset})`
        : p.file;
  return `${where}: ${p.path ? `${p.path}: ` : ""}${p.message}`;
}

/** Thrown by decoders; the file reader adds the file name and line or frame offset. */
export class DecodeError extends Error {
  constructor(
    message: string,
    readonly path?: string,
    readonly offset?: number,
  ) {
    super(message);
  }
}
