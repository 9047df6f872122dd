import { readFile } from "node:fs/promises";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { parse } from "yaml";
import type { ResolvedAccess } from "../resolve/resolve.js";
import { Access } from "../schema/description.js";
import { Name } from "../schema/primitives.js";

/**
 * gateway.yaml: the description's access section for one environment, with the Jaeger query URL the
 * gateway forwards to. The same schema reads it back, so the file and the description cannot drift.
 */
export const GatewayConfig = Type.Object(
  {
    environment: Name,
    upstream: Type.Object(
      { query_url: Type.String({ pattern: "^http://127\\.0\\.0\\.1:[0-9]{1,5}$" }) },
      { additionalProperties: false },
    ),
    access: Type.Omit(Access, ["jaeger"]),
  },
  { additionalProperties: false },
);

export interface ResolvedGatewayConfig {
  environment: string;
  upstream: { query_url: string };
  access: Omit<ResolvedAccess, "jaeger">;
}

export function compileGatewayConfig(environment: string, resolved: ResolvedAccess): Static<typeof GatewayConfig> {
  const { jaeger, ...access } = resolved;
  return {
    environment,
    upstream: { query_url: `http://127.0.0.1:${jaeger.query_http_port}` },
    access,
  };
}

export class GatewayConfigError extends Error {}

/** Reads and checks gateway.yaml; defaults filled as `tracegen build` would. */
export async function loadGatewayConfig(file: string): Promise<ResolvedGatewayConfig> {
  const value: unknown = parse(await readFile(file, "utf8"));
  return checkGatewayConfig(value, file);
}

export function checkGatewayConfig(value: unknown, origin: string): ResolvedGatewayConfig {
  const withDefaults = Value.Default(GatewayConfig, structuredClone(value));
  const first = Value.Errors(GatewayConfig, withDefaults).First();
  if (first) throw new GatewayConfigError(`${origin}: ${first.path || "/"}: ${first.message}`);
  return withDefaults as ResolvedGatewayConfig;
}
