import type { ClientTls, ServerTls } from "../collector/components.js";
import type { ResolvedPipeline } from "../resolve/resolve.js";
import { TLS_MIN_VERSION_DEFAULT } from "../schema/description.js";

export function serverTls(pipeline: ResolvedPipeline): ServerTls | undefined {
  return serverTlsOf(pipeline.tls);
}

/** Server-side TLS of any endpoint the description configures TLS for (the collector's, Jaeger's). */
export function serverTlsOf(tls: ResolvedPipeline["tls"]): ServerTls | undefined {
  if (tls === "off") return undefined;
  return {
    cert_file: tls.cert_file,
    key_file: tls.key_file,
    min_version: tls.min_version ?? TLS_MIN_VERSION_DEFAULT,
    ...(tls.client_auth === "required" ? { client_ca_file: tls.ca_file } : {}),
  };
}

/** The collector verifies Jaeger with the same CA and, under mTLS, presents its own certificate to it. */
export function clientTls(pipeline: ResolvedPipeline): ClientTls {
  const { tls } = pipeline;
  if (tls === "off") return { insecure: true };
  return {
    ca_file: tls.ca_file,
    ...(tls.client_auth === "required" ? { cert_file: tls.cert_file, key_file: tls.key_file } : {}),
    min_version: tls.min_version ?? TLS_MIN_VERSION_DEFAULT,
  };
}
