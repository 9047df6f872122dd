/*
 * A protobuf wire walk that knows no schema: every field of a message is read by its wire
 * type alone, and a length-delimited field is recursed into whenever its bytes parse as a
 * message. It yields the numbers (every reading of a varint, fixed64 or fixed32 as decimal
 * text) and the length-delimited payloads that read as text. The leak oracle uses it so that
 * what it searches does not depend on knowing which OTLP field can hold what.
 */

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/** Nesting past this is not followed: OTLP values nest deeper only in hostile input. */
const MAX_DEPTH = 96;

export interface WireNumber {
  /** Byte offset of the value (after its tag). */
  offset: number;
  /** Its decimal readings: unsigned, signed and floating point, deduplicated. */
  texts: string[];
}

export interface WireText {
  /** Byte offsets of the payload (after tag and length). */
  start: number;
  end: number;
}

export interface WireVisitor {
  number(n: WireNumber): void;
  text(t: WireText): void;
}

interface Field {
  wire: number;
  /** Where the value starts (after the tag). */
  at: number;
  /** For LEN: the payload's bounds; for numbers: the raw value. */
  start: number;
  end: number;
  value: bigint;
}

/** Walks `bytes` as a message; returns false when it is not one (then nothing was visited). */
export function walkWire(bytes: Uint8Array, visit: WireVisitor): boolean {
  const fields = parseFields(bytes, 0, bytes.length);
  if (!fields) return false;
  emit(bytes, fields, visit, 0);
  return true;
}

function emit(bytes: Uint8Array, fields: readonly Field[], visit: WireVisitor, depth: number): void {
  for (const f of fields) {
    if (f.wire === LEN) {
      if (isText(bytes, f.start, f.end)) visit.text({ start: f.start, end: f.end });
      if (depth < MAX_DEPTH && f.end > f.start) {
        const inner = parseFields(bytes, f.start, f.end);
        if (inner) emit(bytes, inner, visit, depth + 1);
      }
    } else visit.number({ offset: f.at, texts: readings(f) });
  }
}

/** The fields of bytes[start, end), or undefined when they do not parse to exactly that range. */
function parseFields(bytes: Uint8Array, start: number, end: number): Field[] | undefined {
  const out: Field[] = [];
  let pos = start;
  while (pos < end) {
    const tag = varint(bytes, pos, end);
    if (!tag) return undefined;
    const no = tag.value >> 3n;
    const wire = Number(tag.value & 7n);
    if (no === 0n || no > 0x1fffffffn) return undefined;
    pos = tag.next;
    const at = pos;
    switch (wire) {
      case VARINT: {
        const v = varint(bytes, pos, end);
        if (!v) return undefined;
        out.push({ wire, at, start: at, end: v.next, value: v.value });
        pos = v.next;
        break;
      }
      case I64:
        if (pos + 8 > end) return undefined;
        out.push({ wire, at, start: at, end: pos + 8, value: view(bytes).getBigUint64(pos, true) });
        pos += 8;
        break;
      case I32:
        if (pos + 4 > end) return undefined;
        out.push({ wire, at, start: at, end: pos + 4, value: BigInt(view(bytes).getUint32(pos, true)) });
        pos += 4;
        break;
      case LEN: {
        const len = varint(bytes, pos, end);
        if (!len || len.value > BigInt(end - len.next)) return undefined;
        const from = len.next;
        const to = from + Number(len.value);
        out.push({ wire, at, start: from, end: to, value: len.value });
        pos = to;
        break;
      }
      default:
        return undefined; // groups (3, 4) and 6, 7 are not messages anyone sends today
    }
  }
  return out;
}

function varint(bytes: Uint8Array, pos: number, end: number): { value: bigint; next: number } | undefined {
  // Most varints are small: read up to 4 bytes as a plain number, fall back to bigint past that.
  let small = 0;
  for (let i = 0; i < 4; i++) {
    if (pos + i >= end) return undefined;
    const b = bytes[pos + i]!;
    small |= (b & 0x7f) << (7 * i);
    if ((b & 0x80) === 0) return { value: BigInt(small >>> 0), next: pos + i + 1 };
  }
  let value = BigInt(small >>> 0);
  for (let i = 4; i < 10; i++) {
    if (pos + i >= end) return undefined;
    const b = bytes[pos + i]!;
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) return { value: BigInt.asUintN(64, value), next: pos + i + 1 };
  }
  return undefined;
}

function readings(f: Field): string[] {
  const texts = new Set<string>();
  if (f.wire === I32) {
    texts.add(f.value.toString());
    texts.add(BigInt.asIntN(32, f.value).toString());
    const float = new DataView(new Uint32Array([Number(f.value)]).buffer).getFloat32(0, true);
    if (Number.isFinite(float)) texts.add(decimal(float));
  } else {
    texts.add(f.value.toString());
    texts.add(BigInt.asIntN(64, f.value).toString());
    if (f.wire === I64) {
      const double = new DataView(new BigUint64Array([f.value]).buffer).getFloat64(0, true);
      if (Number.isFinite(double)) texts.add(decimal(double));
    }
  }
  return [...texts];
}

/** A double as a person would write it: integral values without exponent up to 1e21, like the masking contract. */
function decimal(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 1e21 ? BigInt(x).toString() : String(x);
}

/** Valid UTF-8 (no overlong forms, no surrogates) with no control characters but tab, newline and carriage return. */
export function isText(bytes: Uint8Array, start: number, end: number): boolean {
  if (end === start) return false;
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) return false;
      i++;
      continue;
    }
    let n: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return false;
    if (i + n >= end) return false;
    const second = bytes[i + 1]!;
    if (second < low || second > high) return false;
    for (let k = 2; k <= n; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return false;
    i += n + 1;
  }
  return true;
}

const views = new WeakMap<Uint8Array, DataView>();
function view(bytes: Uint8Array): DataView {
  let v = views.get(bytes);
  if (!v) {
    v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    views.set(bytes, v);
  }
  return v;
}
