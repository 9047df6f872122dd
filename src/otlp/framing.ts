/**
 * A collector's file exporter writes protobuf as a sequence of messages, each preceded by
 * its length as a 4-byte big-endian unsigned integer. A bare message (an HTTP body, a
 * TracesData dump) has no prefix; it starts with field 1's tag, 0x0a, which as a length
 * would exceed any real file, so the two cannot be confused.
 */
export interface Frame {
  /** Offset of the message itself (after the prefix) in the file. */
  offset: number;
  bytes: Uint8Array;
}

export function splitFrames(bytes: Uint8Array): Frame[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: Frame[] = [];
  let pos = 0;
  while (pos + 4 <= bytes.length) {
    const len = view.getUint32(pos, false);
    if (pos + 4 + len > bytes.length) return undefined;
    frames.push({ offset: pos + 4, bytes: bytes.subarray(pos + 4, pos + 4 + len) });
    pos += 4 + len;
  }
  return pos === bytes.length && frames.length > 0 ? frames : undefined;
}

export function joinFrames(messages: readonly Uint8Array[]): Uint8Array {
  const total = messages.reduce((n, m) => n + 4 + m.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let pos = 0;
  for (const m of messages) {
    view.setUint32(pos, m.length, false);
    out.set(m, pos + 4);
    pos += 4 + m.length;
  }
  return out;
}
