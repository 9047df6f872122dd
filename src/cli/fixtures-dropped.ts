import { expandGlob } from "../traffic/glob.js";
import { readFixtureFile } from "../traffic/read.js";
import { describeCount, keysOutsideAllowList, type DroppedKey, type RequestAt } from "../traffic/dropped.js";
import { formatProblem } from "../otlp/problem.js";
import type { Format } from "./render-diagnostics.js";
import { generateOrReport } from "./generate-or-report.js";
import { UsageError } from "./options.js";

export interface DroppedOptions {
  file?: string;
  env?: string[];
  format: Format;
}

/** Lists, per environment, the attribute keys of recorded traces that allow-list mode would not let through. */
export async function runDropped(patterns: string[], o: DroppedOptions): Promise<number> {
  const files = [...new Set((await Promise.all(patterns.map((p) => expandGlob(p)))).flat())];
  if (files.length === 0) throw new UsageError(`no fixture matches ${patterns.map((p) => `\`${p}\``).join(", ")}`);
  const generated = await generateOrReport({
    ...(o.file ? { file: o.file } : {}),
    ...(o.env ? { env: o.env } : {}),
    format: o.format,
    errorsOnly: true,
  });
  if (!generated) return 1;
  const requests: RequestAt[] = [];
  let unreadable = 0;
  for (const file of files) {
    const result = await readFixtureFile(file);
    if (!result.ok) {
      unreadable++;
      for (const p of result.problems) process.stderr.write(`${formatProblem(p)}\n`);
      continue;
    }
    for (const r of result.requests)
      requests.push({
        request: r.request,
        at: r.line !== undefined ? `${file}:${r.line}` : `${file} (byte ${r.offset ?? 0})`,
      });
  }
  if (unreadable > 0) return 1;
  const reports = generated.outputs.map(({ env }) => ({
    env: env.name,
    mode: env.pipeline.masking.mode,
    otherwise: env.pipeline.masking.otherwise,
    keys: keysOutsideAllowList(env.pipeline, requests),
  }));
  if (o.format === "json") process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  else for (const report of reports) process.stdout.write(renderReport(report, files.length));
  return 0;
}

function renderReport(
  r: { env: string; mode: string; otherwise: string; keys: DroppedKey[] },
  fileCount: number,
): string {
  const fate = r.otherwise === "remove" ? "removed" : "pseudonymized";
  const fixtures = `${fileCount} fixture${fileCount === 1 ? "" : "s"}`;
  const head =
    r.mode === "allow_list"
      ? `${r.env}: the allow list lets every attribute key of ${fixtures} through`
      : `${r.env}: masking.mode is listed; under allow_list, every attribute key of ${fixtures} would pass`;
  if (r.keys.length === 0) return `${head}\n`;
  const lines = [
    r.mode === "allow_list"
      ? `${r.env}: ${r.keys.length} attribute key${r.keys.length === 1 ? "" : "s"} of ${fixtures} ${r.keys.length === 1 ? "is" : "are"} not on the allow list and would be ${fate}:`
      : `${r.env}: masking.mode is listed; under allow_list, ${r.keys.length} attribute key${r.keys.length === 1 ? "" : "s"} of ${fixtures} would be ${fate}:`,
  ];
  const keyWidth = Math.max(...r.keys.map((k) => k.key.length));
  const countWidth = Math.max(...r.keys.map((k) => describeCount(k.count).length));
  for (const k of r.keys)
    lines.push(`  ${k.key.padEnd(keyWidth)}  ${describeCount(k.count).padEnd(countWidth)}  first at ${k.first}`);
  lines.push("  (keep one by naming it in masking.allow)");
  return `${lines.join("\n")}\n`;
}
