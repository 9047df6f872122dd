import { openAuditStore, type AuditStore } from "./audit/store.js";
import type { ResolvedGatewayConfig } from "./gateway-config.js";

export class AuditConfigError extends Error {}

/**
 * The gateway's audit store: the PostgreSQL log the description names, its URL read from the named
 * environment variable. Without an audit section (allowed outside production) records go to stderr
 * as JSON lines, so nothing is ever served unrecorded.
 */
export async function openAuditSink(
  config: ResolvedGatewayConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AuditStore> {
  const audit = config.access.audit;
  if (!audit)
    return {
      append: async (event) => void process.stderr.write(`audit ${JSON.stringify(event)}\n`),
      close: async () => undefined,
    };
  const url = env[audit.database_url_env];
  if (!url)
    throw new AuditConfigError(`${audit.database_url_env} is not set: it must hold the audit log's PostgreSQL URL`);
  return openAuditStore(url);
}
