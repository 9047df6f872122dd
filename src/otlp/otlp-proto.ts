import { fileURLToPath } from "node:url";
import { join } from "node:path";
import protobuf from "protobufjs";

/*
 * The OTLP trace messages as the official definitions declare them: the .proto files of
 * open-telemetry/opentelemetry-proto at the pinned tag, vendored unmodified under proto/ and
 * parsed by protobufjs on first use (about 150 ms, paid only by commands that encode OTLP).
 */

export const OTLP_PROTO_VERSION = "v1.10.0";

const PROTO_ROOT = fileURLToPath(new URL(`../../proto/opentelemetry-proto-${OTLP_PROTO_VERSION}/`, import.meta.url));
const SERVICE = "opentelemetry/proto/collector/trace/v1/trace_service.proto";
const PACKAGE = "opentelemetry.proto.collector.trace.v1";

export interface OtlpTraceTypes {
  request: protobuf.Type;
  response: protobuf.Type;
}

let types: OtlpTraceTypes | undefined;

export function otlpTraceTypes(): OtlpTraceTypes {
  if (!types) {
    const root = new protobuf.Root();
    // Imports name paths from the repository's root, as protoc's include path would.
    root.resolvePath = (_origin, target) => join(PROTO_ROOT, target);
    root.loadSync(SERVICE, { keepCase: false });
    root.resolveAll();
    types = {
      request: root.lookupType(`${PACKAGE}.ExportTraceServiceRequest`),
      response: root.lookupType(`${PACKAGE}.ExportTraceServiceResponse`),
    };
  }
  return types;
}
