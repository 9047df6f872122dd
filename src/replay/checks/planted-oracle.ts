import type { PlantedValue } from "../../traffic/planted.js";
import type { TraceRequest } from "../../otlp/model.js";
import { otlpPlaceAt } from "../../otlp/wire-path.js";
import { walkWire } from "../../otlp/wire-walk.js";
import { ByteSearch, foldAscii, GRAM } from "./byte-search.js";
import { MAX_PER_CODE, type FindingList, type FindingLocation } from "./finding.js";
import { textForms } from "./forms.js";
import { serviceOf } from "./received.js";

/*
 * The leak oracle: knows what was planted, nothing about where masking looks. Every planted
 * value, in each of its forms, is searched for in everything the collector let out, as it
 * came out:
 *   - the bytes of every request the sink received (decoded or not), byte by byte, ASCII
 *     case ignored; and the decimal readings of every number a schema-free protobuf wire walk
 *     finds in them (a card number sent as an int travels as a varint, not as text);
 *   - the Prometheus scrape text: metric names, labels and exemplars;
 *   - every line the collector logged.
 * A planted value found anywhere is a leak. Findings say which stream and where (request and
 * byte offset, resolved to an OTLP path when the bytes are OTLP protobuf; the metric; the log
 * line), what was planted where, and which rule should have removed it; never the value.
 */

const ENCODER = new TextEncoder();

/** Shorter values are only matched whole, and shorter than this not at all: "42" is in everything. */
export const MIN_WHOLE = 4;
/**
 * Digit runs shorter than this are only matched whole (as a number, or a text that is just
 * them): seven digits occur by chance inside timestamps, ids and hex soon enough.
 */
const MIN_DIGITS_INSIDE = 12;

export interface OracleStreams {
  requests: ReadonlyArray<{ body: Uint8Array; encoding: "protobuf" | "json"; request?: TraceRequest }>;
  metricsText: string;
  logLines: readonly string[];
}

interface Target {
  planted: PlantedValue;
  index: number;
  /** Searched for in the export only (see the constructor). */
  exportOnly: boolean;
}

export class PlantedOracle {
  private readonly search = new ByteSearch<Target>();
  /** Every form, folded, for whole matches: numbers always, texts when too short to index. */
  private readonly whole = new Map<string, Target>();
  /** Values found only as a whole text (see PlantedValue.whole), folded, and their lengths in bytes. */
  private readonly wholeOnly = new Map<string, Target>();
  private readonly wholeOnlyLengths = new Set<number>();

  /**
   * `exportOnly`: values a fixture merely sent (a recorded one's 127.0.0.1, a service's own host
   * name) may be the collector's own as well, in its log and metrics: those are searched for in
   * the export to the trace store only.
   */
  constructor(planted: readonly PlantedValue[], exportOnly: readonly PlantedValue[] = []) {
    // A value planted in many places (a removed key's name) is searched for once.
    const distinct = new Map<string, { p: PlantedValue; exportOnly: boolean }>();
    for (const [list, only] of [
      [planted, false],
      [exportOnly, true],
    ] as const)
      for (const p of list) {
        const key = `${p.binary ? "b" : "t"}${p.value}`;
        if (!distinct.has(key)) distinct.set(key, { p, exportOnly: only });
      }
    [...distinct.values()].forEach(({ p, exportOnly: only }, index) => {
      const target = { planted: p, index, exportOnly: only };
      if (p.binary) {
        // Binary data comes out as its bytes, or as base64 where something turned it into text.
        const bytes = new Uint8Array(Buffer.from(p.value, "base64"));
        if (bytes.length >= GRAM) this.search.add(bytes, target);
        for (const text of [p.value, Buffer.from(bytes).toString("base64url")]) this.addText(text, target);
      } else if (p.whole)
        for (const form of textForms(p.value)) {
          if (!this.wholeOnly.has(foldAscii(form))) this.wholeOnly.set(foldAscii(form), target);
          this.wholeOnlyLengths.add(Buffer.byteLength(form));
        }
      else for (const form of textForms(p.value)) this.addText(form, target);
    });
  }

  private addText(form: string, target: Target): void {
    const bytes = ENCODER.encode(form);
    const digitsOnly = /^[+-]?[0-9]+$/.test(form);
    if (bytes.length >= GRAM && !(digitsOnly && bytes.length < MIN_DIGITS_INSIDE)) this.search.add(bytes, target);
    const folded = foldAscii(form);
    if (bytes.length >= MIN_WHOLE && !this.whole.has(folded)) this.whole.set(folded, target);
  }

  /** Whether a text holds any planted value: reports show a span name only when it does not. */
  holds(text: string): boolean {
    let found = this.whole.has(foldAscii(text)) || this.wholeOnly.has(foldAscii(text));
    if (!found) this.search.scan(ENCODER.encode(text), () => (found = true));
    return found;
  }

  /** The planted values that a request body holds, as text or (protobuf) as numbers. */
  foundIn(body: Uint8Array, encoding: "protobuf" | "json"): Set<PlantedValue> {
    const found = new Set<PlantedValue>();
    this.scanRequest(body, encoding, (t) => found.add(t.planted));
    return found;
  }

  private scanRequest(
    body: Uint8Array,
    encoding: "protobuf" | "json",
    hit: (t: Target, offset: number, asNumber: boolean) => void,
  ): void {
    this.search.scan(body, (t, offset) => hit(t, offset, false));
    if (encoding !== "protobuf") return;
    walkWire(body, {
      number: ({ offset, texts }) => {
        for (const text of texts) {
          const t = this.whole.get(text);
          if (t) hit(t, offset, true);
        }
      },
      text: ({ start, end }) => {
        const short = end - start < MIN_DIGITS_INSIDE; // longer texts were searched byte by byte
        if (!short && !this.wholeOnlyLengths.has(end - start)) return;
        const text = foldAscii(Buffer.from(body.subarray(start, end)).toString("utf8"));
        const t = (short ? this.whole.get(text) : undefined) ?? this.wholeOnly.get(text);
        if (t) hit(t, start, false);
      },
    });
  }

  check(streams: OracleStreams, out: FindingList): void {
    const reported = new Set<string>();
    // One finding per place: a value comes out in several forms, and values planted alike normalize alike.
    const report = (t: Target, stream: string, where: FindingLocation, dedupe: string) => {
      const key = `${stream}/${dedupe}`;
      if (reported.has(key)) return;
      reported.add(key);
      out.add("leaks", "planted-value", () => ({
        message: `${describe(t.planted)} came out ${stream}`,
        where,
      }));
    };

    streams.requests.forEach((r, n) => {
      const at = (offset: number): { where: FindingLocation; dedupe: string } => {
        const place = r.encoding === "protobuf" ? otlpPlaceAt(r.body, offset) : undefined;
        const where: FindingLocation = { request: n, offset, ...(place ? { path: place.path } : {}) };
        if (place?.span && r.request) {
          const rs = r.request.resourceSpans[place.span.resource];
          const span = rs?.scopeSpans[place.span.scope]?.spans[place.span.span];
          if (span) Object.assign(where, { traceId: span.traceId, spanId: span.spanId });
          const service = rs && serviceOf(rs.resource);
          if (service && !this.holds(service)) where.service = service;
        }
        return { where, dedupe: `${n}/${place?.path ?? offset}` };
      };
      this.scanRequest(r.body, r.encoding, (t, offset, asNumber) => {
        const stream = `${asNumber ? "as a number " : ""}in a request to the trace store`;
        // Past the findings a report lists, the rest are only counted, once per value: resolving
        // each one's OTLP path would cost more than a badly broken run's millions of hits are worth.
        if (reported.size >= MAX_PER_CODE) return report(t, "", {}, `value ${t.index}`);
        const { where, dedupe } = at(offset);
        report(t, stream, where, dedupe);
      });
    });

    const metrics = Buffer.from(streams.metricsText, "utf8");
    const lineStarts = starts(metrics);
    const series = (offset: number): FindingLocation => {
      const line = lineAt(lineStarts, offset);
      const text = metrics.subarray(lineStarts[line]!, lineStarts[line + 1] ?? metrics.length).toString("utf8");
      const name = /^[^\s{]+/.exec(text)?.[0];
      // The name is shown unless the value is in it; label names are never shown (a key may be the leak).
      const nameEnd = lineStarts[line]! + Buffer.byteLength(name ?? "");
      return {
        series: name && offset >= nameEnd ? name : "(a metric whose name holds it)",
        line: line + 1,
      };
    };
    this.search.scan(metrics, (t, offset) => {
      if (t.exportOnly) return;
      const where = series(offset);
      report(t, "in the metrics the collector serves", where, `${where.line}`);
    });
    for (const [i, line] of streams.metricsText.split("\n").entries())
      for (const token of line.split(/[\s{},="]+/)) {
        const t =
          token.length >= MIN_WHOLE
            ? (this.whole.get(foldAscii(token)) ?? this.wholeOnly.get(foldAscii(token)))
            : undefined;
        if (t?.exportOnly) continue;
        if (t) report(t, "in the metrics the collector serves", series(lineStarts[i] ?? 0), `${i + 1}`);
      }

    const log = Buffer.from(streams.logLines.join("\n"), "utf8");
    const logStarts = starts(log);
    this.search.scan(log, (t, offset) => {
      if (t.exportOnly) return;
      const line = lineAt(logStarts, offset) + 1;
      report(t, "in the collector's log", { logLine: line }, `${line}`);
    });
  }
}

function describe(p: PlantedValue): string {
  const rules = p.rules.length ? `; ${p.rules.map((r) => `\`${r}\``).join(" or ")} should have removed it` : "";
  return `the ${p.kind} planted in ${p.place} (${p.binary ? "binary" : `${[...p.value].length} characters`}${rules})`;
}

function starts(bytes: Uint8Array): number[] {
  const out = [0];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) out.push(i + 1);
  return out;
}

function lineAt(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
