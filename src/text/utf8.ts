/*
 * Where UTF-8 goes wrong, by the Unicode Standard's Table 3-7 (well-formed UTF-8 byte sequences):
 *
 *   Code points          First   Second  Third   Fourth
 *   U+0000..U+007F       00..7F
 *   U+0080..U+07FF       C2..DF  80..BF
 *   U+0800..U+0FFF       E0      A0..BF  80..BF
 *   U+1000..U+CFFF       E1..EC  80..BF  80..BF
 *   U+D000..U+D7FF       ED      80..9F  80..BF
 *   U+E000..U+FFFF       EE..EF  80..BF  80..BF
 *   U+10000..U+3FFFF     F0      90..BF  80..BF  80..BF
 *   U+40000..U+FFFFF     F1..F3  80..BF  80..BF  80..BF
 *   U+100000..U+10FFFF   F4      80..8F  80..BF  80..BF
 *
 * Anything else is ill-formed: C0, C1 and F5..FF never appear, E0 80..9F and F0 80..8F are
 * overlong, ED A0..BF are surrogates, F4 90..BF are above U+10FFFF.
 */

/** The second byte's range for a lead byte, and how many bytes its sequence has; undefined for a byte no sequence starts with. */
function sequenceOf(lead: number): { length: number; low: number; high: number } | undefined {
  if (lead <= 0x7f) return { length: 1, low: 0, high: 0 };
  if (lead >= 0xc2 && lead <= 0xdf) return { length: 2, low: 0x80, high: 0xbf };
  if (lead === 0xe0) return { length: 3, low: 0xa0, high: 0xbf };
  if (lead === 0xed) return { length: 3, low: 0x80, high: 0x9f };
  if (lead >= 0xe1 && lead <= 0xef) return { length: 3, low: 0x80, high: 0xbf };
  if (lead === 0xf0) return { length: 4, low: 0x90, high: 0xbf };
  if (lead === 0xf4) return { length: 4, low: 0x80, high: 0x8f };
  if (lead >= 0xf1 && lead <= 0xf3) return { length: 4, low: 0x80, high: 0xbf };
  return undefined;
}

/**
 * Byte offset of the first sequence that is not well-formed UTF-8 (the offset of its first byte),
 * or undefined when all of `bytes` is well-formed. A sequence cut short by the end counts as ill-formed.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead <= 0x7f) {
      i++;
      continue;
    }
    const sequence = sequenceOf(lead);
    if (!sequence || i + sequence.length > bytes.length) return i;
    const second = bytes[i + 1]!;
    if (second < sequence.low || second > sequence.high) return i;
    for (let k = 2; k < sequence.length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += sequence.length;
  }
  return undefined;
}
