import type { OtlpReceiverConfig } from "../collector/components.js";
import type { ResolvedPipeline } from "../resolve/resolve.js";
import { ID, type ConfigSection } from "../collector/registry.js";
import type { Fragment } from "./fragment.js";
import { mebibytes } from "../schema/units.js";
import { serverTls } from "./tls.js";

const MIB = 1024 * 1024;

export function compileReceivers(pipeline: ResolvedPipeline): Fragment {
  const { otlp } = pipeline.receivers;
  const tls = serverTls(pipeline);
  const authenticator = otlp.auth === "bearer_token" ? ID.bearerAuth : otlp.auth === "oidc" ? ID.oidcAuth : undefined;
  const server = (endpoint: string) => ({
    endpoint,
    ...(tls ? { tls } : {}),
    ...(authenticator ? { auth: { authenticator } } : {}),
  });
  // One limit for both protocols, counted after decompression on both: gRPC checks the decompressed
  // message, and confighttp caps the decompressed body at the same size as the compressed one.
  const mib = mebibytes(otlp.max_request_size);
  const receiver: OtlpReceiverConfig = {
    protocols: {
      ...(otlp.grpc ? { grpc: { ...server(otlp.grpc), max_recv_msg_size_mib: mib } } : {}),
      ...(otlp.http
        ? {
            http: {
              ...server(otlp.http),
              max_request_body_size: mib * MIB,
              ...(otlp.cors_origins?.length ? { cors: { allowed_origins: otlp.cors_origins } } : {}),
            },
          }
        : {}),
    },
  };
  const extensions: ConfigSection<"extensions"> = {};
  if (otlp.auth === "bearer_token" && otlp.token_file) extensions[ID.bearerAuth] = { filename: otlp.token_file };
  if (otlp.auth === "oidc" && otlp.oidc)
    extensions[ID.oidcAuth] = { providers: [{ issuer_url: otlp.oidc.issuer_url, audience: otlp.oidc.audience }] };
  return { receivers: { [ID.otlpReceiver]: receiver }, extensions };
}

/**
 * A sampler hears only the agents, over gRPC. Under mTLS it accepts only certificates from the CA;
 * it has no token check, since the agents forward what they authenticated and hold no ingest token.
 */
export function compileSamplerReceiver(pipeline: ResolvedPipeline): Fragment {
  const tls = serverTls(pipeline);
  const receiver: OtlpReceiverConfig = {
    protocols: {
      grpc: {
        endpoint: pipeline.topology.sampler_listen,
        ...(tls ? { tls } : {}),
        max_recv_msg_size_mib: mebibytes(pipeline.receivers.otlp.max_request_size),
      },
    },
  };
  return { receivers: { [ID.otlpReceiver]: receiver } };
}
