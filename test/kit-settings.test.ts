import { describe, expect, it } from "vitest";
import { KitSettingsError, settingsFromEnv } from "../src/kit/settings.js";

describe("kit settings from the environment", () => {
  it("defaults to plaintext OTLP/gRPC on localhost:4317, namespace shop3d and environment dev", () => {
    expect(settingsFromEnv({ OTEL_SERVICE_NAME: "crm-api" })).toEqual({
      serviceName: "crm-api",
      serviceNamespace: "shop3d",
      environment: "dev",
      enabled: true,
      exporter: { url: "http://localhost:4317" },
    });
  });

  it("takes a bare host:port endpoint as plaintext and the traces-specific variable over the general one", () => {
    const s = settingsFromEnv({
      OTEL_SERVICE_NAME: "x",
      OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4317",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "127.0.0.1:5317",
    });
    expect(s.exporter.url).toBe("http://127.0.0.1:5317");
  });

  it("uses TLS with the CA, client certificate and key for an https endpoint, and reads the token from a file", () => {
    const s = settingsFromEnv({
      OTEL_SERVICE_NAME: "x",
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.shop:4317",
      OTEL_EXPORTER_OTLP_CERTIFICATE: "/tls/ca.pem",
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: "/tls/svc.pem",
      OTEL_EXPORTER_OTLP_CLIENT_KEY: "/tls/svc-key.pem",
      TRACEGEN_INGEST_TOKEN_FILE: "/secrets/token",
    });
    expect(s.exporter).toEqual({
      url: "https://collector.shop:4317",
      tls: { caFile: "/tls/ca.pem", certFile: "/tls/svc.pem", keyFile: "/tls/svc-key.pem" },
      token: { file: "/secrets/token" },
    });
  });

  it("switches the SDK off with OTEL_SDK_DISABLED=true", () => {
    expect(settingsFromEnv({ OTEL_SERVICE_NAME: "x", OTEL_SDK_DISABLED: "TRUE" }).enabled).toBe(false);
  });

  it("lets the service name given in code win over OTEL_SERVICE_NAME", () => {
    expect(settingsFromEnv({ OTEL_SERVICE_NAME: "from-env" }, { serviceName: "from-code" }).serviceName).toBe(
      "from-code",
    );
  });

  it.each([
    [{}, /no service name/],
    [{ OTEL_SERVICE_NAME: "x", OTEL_EXPORTER_OTLP_ENDPOINT: "ftp://c:1" }, /must use http:\/\/ or https:\/\//],
    [{ OTEL_SERVICE_NAME: "x", OTEL_EXPORTER_OTLP_CERTIFICATE: "/ca.pem" }, /plaintext: use https/],
    [
      { OTEL_SERVICE_NAME: "x", OTEL_EXPORTER_OTLP_ENDPOINT: "https://c:1", OTEL_EXPORTER_OTLP_CLIENT_KEY: "/k.pem" },
      /needs its key/,
    ],
    [
      { OTEL_SERVICE_NAME: "x", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4317", TRACEGEN_INGEST_TOKEN: "t" },
      /plaintext and not loopback/,
    ],
  ])("refuses %j with a message that says what to fix", (env, message) => {
    expect(() => settingsFromEnv(env)).toThrow(KitSettingsError);
    expect(() => settingsFromEnv(env)).toThrow(message);
  });
});
