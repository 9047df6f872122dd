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
  /** For LEN: the payload's bounds. */
  start: number;
  end: number;
  /** For numbers: the raw value, as a number while it is exact, else as a bigint. */
  value: number | bigint;
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
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = start;
  while (pos < end) {
    if (!readVarint(bytes, pos, end)) return undefined;
    const tag = varintValue;
    pos = varintNext;
    const wire = typeof tag === "number" ? tag % 8 : Number(tag & 7n);
    const no = typeof tag === "number" ? Math.floor(tag / 8) : Number(tag >> 3n);
    if (no === 0 || no > 0x1fffffff) return undefined;
    const at = pos;
    switch (wire) {
      case VARINT:
        if (!readVarint(bytes, pos, end)) return undefined;
        out.push({ wire, at, start: at, end: varintNext, value: varintValue });
        pos = varintNext;
        break;
      case I64: {
        if (pos + 8 > end) return undefined;
        const low = view.getUint32(pos, true);
        const high = view.getUint32(pos + 4, true);
        out.push({
          wire,
          at,
          start: at,
          end: pos + 8,
          value: high < 0x200000 ? high * 2 ** 32 + low : (BigInt(high) << 32n) | BigInt(low),
        });
        pos += 8;
        break;
      }
      case I32:
        if (pos + 4 > end) return undefined;
        out.push({ wire, at, start: at, end: pos + 4, value: view.getUint32(pos, true) });
        pos += 4;
        break;
      case LEN: {
        if (!readVarint(bytes, pos, end)) return undefined;
        const len = varintValue;
        if (typeof len !== "number" || len > end - varintNext) return undefined;
        const from = varintNext;
        out.push({ wire, at, start: from, end: from + len, value: len });
        pos = from + len;
        break;
      }
      default:
        return undefined; // groups (3, 4) and 6, 7 are not messages anyone sends today
    }
  }
  return out;
}

// The last varint read: a module-level pair spares an object per varint on large requests.
let varintValue: number | bigint = 0;
let varintNext = 0;

function readVarint(bytes: Uint8Array, pos: number, end: number): boolean {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) return false;
    const b = bytes[pos + i]!;
    if (i < 7) {
      value += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) {
        varintValue = value;
        varintNext = pos + i + 1;
        return true;
      }
    } else {
      // Past 49 bits a number is no longer exact: continue as a bigint.
      let big = BigInt(value);
      for (let k = i; k < 10; k++) {
        if (pos + k >= end) return false;
        const c = bytes[pos + k]!;
        big |= BigInt(c & 0x7f) << BigInt(7 * k);
        if ((c & 0x80) === 0) {
          varintValue = BigInt.asUintN(64, big);
          varintNext = pos + k + 1;
          return true;
        }
      }
      return false;
    }
  }
  return false;
}

function readings(f: Field): string[] {
  if (typeof f.value === "number") {
    // Small values read the same signed and unsigned; a fixed64 or fixed32 may also be a float.
    const texts = [String(f.value)];
    if (f.wire === I64) addFloat(texts, new DataView(new BigUint64Array([BigInt(f.value)]).buffer).getFloat64(0, true));
    if (f.wire === I32) {
      const signed = f.value | 0;
      if (signed !== f.value) texts.push(String(signed));
      addFloat(texts, new DataView(new Uint32Array([f.value]).buffer).getFloat32(0, true));
    }
    return texts;
  }
  const texts = [f.value.toString()];
  const signed = BigInt.asIntN(64, f.value);
  if (signed !== f.value) texts.push(signed.toString());
  if (f.wire === I64) addFloat(texts, new DataView(new BigUint64Array([f.value]).buffer).getFloat64(0, true));
  return texts;
}

function addFloat(texts: string[], x: number): void {
  if (!Number.isFinite(x)) return;
  const text = decimal(x);
  if (!texts.includes(text)) texts.push(text);
}

/** A double as a person would write it: integral values without exponent up to 1e21, like the masking contract. */
function decimal(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 1e21 ? BigInt(x).toString() : String(x);
}

/** Valid UTF-8 (no overlong forms, no surrogates) with no control characters but tab, newline and carriage return. */
function isText(bytes: Uint8Array, start: number, end: number): boolean {
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
