import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectorArgs } from "../../collector/run-args.js";

export interface BinaryVerdict {
  ok: boolean;
  /** The collector's own words when it refuses the config. */
  message: string;
}

/**
 * Values that let `${env:...}` references resolve to something of the right shape. Anything else may be
 * a secret: the placeholder is long enough for the strictest length check (a production pseudonym key
 * needs 32 bytes).
 */
export function placeholderFor(name: string): string {
  if (/ENDPOINT$/.test(name)) return "127.0.0.1:4317";
  if (/(URL|URI)$/.test(name)) return "https://127.0.0.1:4318";
  return "tracegen-validate-placeholder-secret-40b";
}

/** Runs `<binary> validate --config=...` on a config, the authoritative check of what the collector accepts. */
export async function validateWithBinary(
  binary: string,
  configYaml: string,
  envVars: readonly string[],
): Promise<BinaryVerdict> {
  const dir = await mkdtemp(join(tmpdir(), "tracegen-validate-"));
  try {
    const configPath = join(dir, "collector.yaml");
    await writeFile(configPath, configYaml);
    const env = { ...process.env, ...Object.fromEntries(envVars.map((v) => [v, process.env[v] ?? placeholderFor(v)])) };
    return await new Promise<BinaryVerdict>((resolve) => {
      execFile(
        binary,
        ["validate", ...collectorArgs(configPath)],
        { env, timeout: 60_000 },
        (error, stdout, stderr) => {
          const output = `${stderr}${stdout}`.trim();
          if (!error) return resolve({ ok: true, message: output });
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "ENOENT")
            return resolve({
              ok: false,
              message: `collector binary not found: ${binary} (build it with \`npm run collector:build\`)`,
            });
          resolve({ ok: false, message: output || error.message });
        },
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
