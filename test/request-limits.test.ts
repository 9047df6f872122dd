import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadDescriptionBytes } from "../src/load/description.js";
import { generate } from "../src/orchestrate/generate.js";
import { readRepoFile } from "./helpers/repo.js";

/*
 * Request limits and the log's flood cap, from description to generated config. What they do to
 * the real collector is test/hostile-input.test.ts's job.
 */

const shopText = await readRepoFile("tracing.yaml");
const PROD = "  prod:\n    receivers: { otlp: { token_file: /etc/tracegen/secrets/ingest-token } }";
const STAGING = "  staging:\n    receivers: { otlp: { token_file: /etc/tracegen/secrets/ingest-token } }";
expect(shopText).toContain(PROD);
expect(shopText).toContain(STAGING);

function build(text: string) {
  const loaded = loadDescriptionBytes("tracing.yaml", Buffer.from(text));
  if (!loaded.ok) return { diagnostics: loaded.diagnostics, configs: {} };
  const result = generate(loaded.loaded);
  const configs = Object.fromEntries(result.outputs.map((o) => [o.env.name, parse(o.content) as Config]));
  return { diagnostics: result.diagnostics, configs };
}

interface Config {
  receivers: { otlp: { protocols: { grpc: Record<string, unknown>; http: Record<string, unknown> } } };
  service: { telemetry: { logs: Record<string, unknown> } };
}

/** The line of an overlay's receivers, where the size is written. */
const receiversLine = (anchor: string) => shopText.slice(0, shopText.indexOf(anchor)).split("\n").length + 1;
const withSize = (anchor: string, size: string) =>
  shopText.replace(anchor, anchor.replace("{ token_file:", `{ max_request_size: ${size}, token_file:`));

describe("request limits", () => {
  it("are written on both protocols of every environment, 1MiB unless the description says otherwise", () => {
    const { configs } = build(shopText);
    for (const env of ["dev", "staging", "prod"]) {
      const { grpc, http } = configs[env]!.receivers.otlp.protocols;
      expect(grpc["max_recv_msg_size_mib"], env).toBe(1);
      expect(http["max_request_body_size"], env).toBe(1024 * 1024);
    }
  });

  it("follow max_request_size, in whole mebibytes on gRPC and in bytes on HTTP", () => {
    const { configs } = build(withSize(PROD, "2MiB"));
    const { grpc, http } = configs["prod"]!.receivers.otlp.protocols;
    expect(grpc["max_recv_msg_size_mib"]).toBe(2);
    expect(http["max_request_body_size"]).toBe(2 * 1024 * 1024);
  });

  it("above 2MiB are refused in production, naming the rule and the line, and warned about elsewhere", () => {
    const prod = build(withSize(PROD, "4MiB")).diagnostics.filter((d) => d.severity === "error");
    expect(prod).toEqual([
      expect.objectContaining({
        code: "guardrail/request-size",
        line: receiversLine(PROD),
        message: expect.stringContaining("4MiB"),
      }),
    ]);
    const staging = build(withSize(STAGING, "4MiB")).diagnostics;
    expect(staging.filter((d) => d.severity === "error")).toEqual([]);
    expect(staging).toContainEqual(
      expect.objectContaining({
        severity: "warning",
        code: "large-request-size",
        line: receiversLine(STAGING),
        message: expect.stringContaining("production refuses it"),
      }),
    );
  });

  it("are whole mebibytes: a fraction or another unit is refused with what was expected", () => {
    for (const size of ["1.5MiB", "2MB", "0MiB", "1048576"]) {
      const errors = build(withSize(PROD, size)).diagnostics.filter((d) => d.severity === "error");
      expect(errors.map((d) => d.message).join("\n"), size).toContain("a size in whole mebibytes like 2MiB");
    }
  });
});

describe("the log's flood cap", () => {
  it("lets each message through once a minute where machines read the log, and leaves development's default", () => {
    const { configs } = build(shopText);
    for (const env of ["staging", "prod"])
      expect(configs[env]!.service.telemetry.logs["sampling"], env).toEqual({
        enabled: true,
        tick: "1m",
        initial: 1,
        thereafter: 0,
      });
    expect(configs["dev"]!.service.telemetry.logs).not.toHaveProperty("sampling");
  });
});
