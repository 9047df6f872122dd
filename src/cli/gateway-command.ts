import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { UsageError } from "./options.js";

interface GatewayOptions {
  env: string;
  config?: string;
  out: string;
  issuerCa?: string;
}

export function registerGatewayCommand(program: Command): void {
  program
    .command("gateway")
    .description("serve the trace access gateway (HTTPS) in front of Jaeger's query API")
    .requiredOption("-e, --env <name>", "environment whose gateway.yaml to serve")
    .option("-c, --config <path>", "gateway config (default: <out>/<env>/gateway.yaml)")
    .option("-o, --out <dir>", "where `tracegen build` wrote the configs", "configs")
    .option("--issuer-ca <file>", "PEM CA to trust for the identity provider, besides the system's")
    .addHelpText(
      "after",
      `
Tokens are verified against the issuer's discovery document and key set. The audit
log's PostgreSQL URL is read from the environment variable access.audit names.
Stops on SIGINT or SIGTERM.

Example:
  $ TRACEGEN_AUDIT_DATABASE_URL=postgres://... tracegen gateway --env prod`,
    )
    .action(async (options: GatewayOptions) => {
      process.exitCode = await runGateway(options);
    });
}

async function runGateway(options: GatewayOptions): Promise<number> {
  // Loaded here, not with the CLI: the HTTPS server, token and PostgreSQL stacks would slow every other command's start.
  const [{ AuditConfigError, openAuditSink }, { GatewayConfigError, loadGatewayConfig }, { startGateway }, verifier] =
    await Promise.all([
      import("../access/audit-sink.js"),
      import("../access/gateway-config.js"),
      import("../access/server.js"),
      import("../access/token-verifier.js"),
    ]);
  const { discoverTokenVerifier, IssuerDiscoveryError } = verifier;
  const file = options.config ?? join(options.out, options.env, "gateway.yaml");
  try {
    const config = await loadGatewayConfig(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") throw new UsageError(`${file} not found: run \`tracegen build\` first`);
      throw error;
    });
    if (config.environment !== options.env)
      throw new UsageError(`${file} is the gateway config of ${config.environment}, not ${options.env}`);
    const issuerCa = options.issuerCa ? await readFile(options.issuerCa, "utf8") : undefined;
    const tokens = await discoverTokenVerifier(config.access, { ...(issuerCa && { issuerCa }) });
    const audit = await openAuditSink(config);
    const gateway = await startGateway({ config, verifier: tokens, audit });
    process.stdout.write(`trace gateway for ${options.env} at ${gateway.url}, reading ${config.upstream.query_url}\n`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await gateway.close();
    await audit.close();
    return 0;
  } catch (error) {
    if (
      error instanceof GatewayConfigError ||
      error instanceof AuditConfigError ||
      error instanceof IssuerDiscoveryError
    )
      throw new UsageError(error.message);
    throw error;
  }
}
