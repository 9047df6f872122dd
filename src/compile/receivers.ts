import type { OtlpReceiverConfig } from "../collector/components.js";
import type { ResolvedPipeline } from "../resolve/resolve.js";
import { ID, type Fragment } from "./ids.js";
import { serverTls } from "./tls.js";

export function compileReceivers(pipeline: ResolvedPipeline): Fragment {
  const { otlp } = pipeline.receivers;
  const tls = serverTls(pipeline);
  const authenticator = otlp.auth === "bearer_token" ? ID.bearerAuth : otlp.auth === "oidc" ? ID.oidcAuth : undefined;
  const server = (endpoint: string) => ({
    endpoint,
    ...(tls ? { tls } : {}),
    ...(authenticator ? { auth: { authenticator } } : {}),
  });
  const receiver: OtlpReceiverConfig = {
    protocols: {
      ...(otlp.grpc ? { grpc: server(otlp.grpc) } : {}),
      ...(otlp.http
        ? {
            http: {
              ...server(otlp.http),
              ...(otlp.cors_origins?.length ? { cors: { allowed_origins: otlp.cors_origins } } : {}),
            },
          }
        : {}),
    },
  };
  const extensions: Record<string, unknown> = {};
  if (otlp.auth === "bearer_token" && otlp.token_file) extensions[ID.bearerAuth] = { filename: otlp.token_file };
  if (otlp.auth === "oidc" && otlp.oidc)
    extensions[ID.oidcAuth] = { providers: [{ issuer_url: otlp.oidc.issuer_url, audience: otlp.oidc.audience }] };
  return { receivers: { [ID.otlpReceiver]: receiver }, extensions };
}
