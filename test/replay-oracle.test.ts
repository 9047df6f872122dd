import { describe, expect, it } from "vitest";
import type { PlantedValue } from "../src/traffic/planted.js";
import { array, double, int, kv, kvlist, str, type AnyValue } from "../src/otlp/model.js";
import { encodeProtoRequest } from "../src/otlp/protobuf.js";
import { otlpPlaceAt } from "../src/otlp/wire-path.js";
import { walkWire } from "../src/otlp/wire-walk.js";
import { ByteSearch } from "../src/replay/checks/byte-search.js";
import { FindingList } from "../src/replay/checks/finding.js";
import { textForms } from "../src/replay/checks/forms.js";
import { PlantedOracle } from "../src/replay/checks/planted-oracle.js";
import { request, span } from "./replay-helpers.js";

/*
 * The parts of the leak oracle that know no OTLP: the wire walk that reads any protobuf by
 * wire type alone, the byte search, the forms a value may come out in, and the oracle put
 * together over bytes, metrics text and log lines.
 */

const utf8 = (s: string) => new TextEncoder().encode(s);
const bytesOf = (s: string): AnyValue => ({ type: "bytes", value: utf8(s) });

describe("the schema-free wire walk", () => {
  const body = encodeProtoRequest(
    request([
      {
        span: span({
          name: "notify",
          attributes: [
            kv("app.n", int(4111111111111111n)),
            kv("app.d", double(4917012345678)),
            kv("app.deep", kvlist([kv("a", array(kvlist([kv("b", array(str("deep text")))])))])),
            kv("app.bytes", bytesOf("bytes text")),
          ],
        }),
      },
    ]),
  );

  it("reads every number as decimal text and every text payload, however deep, without knowing the schema", () => {
    const numbers: string[] = [];
    const texts: string[] = [];
    expect(
      walkWire(body, {
        number: (n) => numbers.push(...n.texts),
        text: (t) => texts.push(Buffer.from(body.subarray(t.start, t.end)).toString("utf8")),
      }),
    ).toBe(true);
    expect(numbers).toEqual(expect.arrayContaining(["4111111111111111", "4917012345678", "1000000000"]));
    expect(texts).toEqual(expect.arrayContaining(["notify", "app.deep", "deep text", "bytes text"]));
  });

  it("names the OTLP field any byte offset falls in, for reports", () => {
    const at = (needle: string) => otlpPlaceAt(body, Buffer.from(body).indexOf(needle))?.path;
    expect(at("deep text")).toBe(
      "resourceSpans[0].scopeSpans[0].spans[0].attributes[2].value.kvlistValue.values[0].value.arrayValue.values[0].kvlistValue.values[0].value.arrayValue.values[0].stringValue",
    );
    expect(at("bytes text")).toBe("resourceSpans[0].scopeSpans[0].spans[0].attributes[3].value.bytesValue");
    expect(otlpPlaceAt(body, Buffer.from(body).indexOf("notify"))).toEqual({
      path: "resourceSpans[0].scopeSpans[0].spans[0].name",
      span: { resource: 0, scope: 0, span: 0 },
    });
  });

  it("says so when bytes are not a message", () => {
    expect(walkWire(new Uint8Array([0x0a, 0xff]), { number: () => undefined, text: () => undefined })).toBe(false);
  });
});

describe("the byte search", () => {
  it("finds every pattern at once, ASCII case ignored, other bytes exactly", () => {
    const search = new ByteSearch<string>();
    search.add(utf8("jane.doe@example.com"), "email");
    search.add(utf8("omar\uFF20example.com"), "full-width");
    search.add(utf8("@example.com"), "domain");
    const hits: Array<[string, number]> = [];
    search.scan(utf8("to JANE.DOE@EXAMPLE.COM and omar\uFF20example.com"), (ref, at) => hits.push([ref, at]));
    expect(hits).toEqual([
      ["email", 3],
      ["domain", 11],
      ["full-width", 28],
    ]);
  });
});

describe("the forms a planted value may come out in", () => {
  it("are the value normalized (NFKC, zero-width characters dropped, %XX decoded), percent-encoded and made a label name", () => {
    expect(textForms("jane\u200B\uFF20example.com")).toEqual(
      expect.arrayContaining(["jane@example.com", "jane\u200B@example.com", "jane_example_com", "jane%40example.com"]),
    );
    expect(textForms("jane%40example.com")).toContain("jane@example.com");
    expect(textForms("Jane Doe")).toEqual(expect.arrayContaining(["Jane%20Doe", "Jane+Doe", "Jane_Doe"]));
    // Outside ASCII, lower case is a form of its own; ASCII case the search ignores.
    expect(textForms("ÖZGE Ünal")).toContain("özge ünal");
  });
});

describe("the planted-value oracle", () => {
  const planted: PlantedValue[] = [
    { value: "jane.doe.7@example.com", kind: "email", place: "span.traceState", rules: ["detect email"] },
    {
      value: "4111111111111111",
      kind: "card number sent as an int",
      place: "span.attributes",
      rules: ["detect card_number in numbers"],
    },
    {
      value: Buffer.from([0xff, 0x00, 0x01, 0xfe, 0x42, 0x43]).toString("base64"),
      binary: true,
      kind: "binary value of user.id",
      place: "span.attributes",
      rules: ["pseudonymize user.id"],
    },
  ];
  const oracle = new PlantedOracle(planted);
  const run = (body: Uint8Array, metricsText = "", logLines: string[] = []) => {
    const out = new FindingList();
    oracle.check({ requests: [{ body, encoding: "protobuf" }], metricsText, logLines }, out);
    return out.list();
  };

  it("finds nothing when nothing planted came out", () => {
    expect(run(encodeProtoRequest(request([{ span: span({ name: "ok" }) }])))).toEqual([]);
  });

  it("finds text, numbers and binary data, each once per field, in requests, metrics and logs", () => {
    const body = encodeProtoRequest(
      request([
        {
          span: span({
            traceState: "shop=Jane.Doe.7%40example.com",
            attributes: [
              kv("app.ref", double(4111111111111111)),
              kv("app.blob", { type: "bytes", value: new Uint8Array([9, 0xff, 0x00, 0x01, 0xfe, 0x42, 0x43, 9]) }),
            ],
          }),
        },
      ]),
    );
    const findings = run(body, 'target_info{owner="jane.doe.7@example.com"} 1\n', [
      "x",
      "card 4111111111111111 dropped",
    ]);
    expect(
      findings.map((f) => [f.message.replace(/ \(.*\)/, ""), f.where?.path ?? f.where?.series ?? f.where?.logLine]),
    ).toEqual([
      [
        "the email planted in span.traceState came out in a request to the trace store",
        "resourceSpans[0].scopeSpans[0].spans[0].traceState",
      ],
      [
        "the binary value of user.id planted in span.attributes came out in a request to the trace store",
        "resourceSpans[0].scopeSpans[0].spans[0].attributes[1].value.bytesValue",
      ],
      [
        "the card number sent as an int planted in span.attributes came out as a number in a request to the trace store",
        "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.doubleValue",
      ],
      ["the email planted in span.traceState came out in the metrics the collector serves", "target_info"],
      ["the card number sent as an int planted in span.attributes came out in the collector's log", 2],
    ]);
  });

  it("stays fast on a large output: a thousand planted values over 50 MB", () => {
    const many = new PlantedOracle(
      Array.from({ length: 1000 }, (_, i) => ({
        value: `person.${i}@example.com`,
        kind: "email",
        place: "x",
        rules: [],
      })),
    );
    const big = new Uint8Array(50 * 1024 * 1024).fill(0x61);
    big.set(utf8("person.999@example.com"), big.length - 100);
    const started = Date.now();
    const out = new FindingList();
    many.check({ requests: [{ body: big, encoding: "json" }], metricsText: "", logLines: [] }, out);
    expect(out.count()).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
