import type { AnyValue, KeyValue } from "./model.js";

/** How an encoding writes the AnyValue members whose form differs between OTLP/JSON and protobufjs. */
export interface ScalarForms {
  int(value: bigint): unknown;
  double(value: number): unknown;
  bytes(value: Uint8Array): unknown;
}

/** An AnyValue as the object of one member that both OTLP encodings make of it; `{}` when it is empty. */
export function anyValueObject(v: AnyValue, forms: ScalarForms): Record<string, unknown> {
  switch (v.type) {
    case "string":
      return { stringValue: v.value };
    case "bool":
      return { boolValue: v.value };
    case "int":
      return { intValue: forms.int(v.value) };
    case "double":
      return { doubleValue: forms.double(v.value) };
    case "bytes":
      return { bytesValue: forms.bytes(v.value) };
    case "array":
      return { arrayValue: { values: v.values.map((item) => anyValueObject(item, forms)) } };
    case "kvlist":
      return { kvlistValue: { values: v.values.map((a) => keyValueObject(a, forms)) } };
    case "empty":
      return {};
  }
}

export function keyValueObject(a: KeyValue, forms: ScalarForms): Record<string, unknown> {
  return { key: a.key, value: anyValueObject(a.value, forms) };
}
