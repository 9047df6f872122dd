import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { parseDocument } from "yaml";
import type { ReplaySummary } from "../../src/replay/report/model.js";
import { repoPath, requireCollector } from "./repo.js";

/** `tracegen` as a user runs it, and descriptions edited the way a careless change would. */

const exec = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function tracegen(args: readonly string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec("node", [repoPath("bin/tracegen.js"), ...args], {
      cwd: repoPath(),
      maxBuffer: 256 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `tracegen replay --json` of a description's environment; the summary, and the exit code. */
export async function replayCli(
  description: string,
  env: string,
  fixture: string,
  extra: readonly string[] = [],
): Promise<{ code: number; summary: ReplaySummary; stderr: string }> {
  const r = await tracegen([
    "replay",
    "--file",
    description,
    "--env",
    env,
    "--fixtures",
    fixture,
    "--collector",
    requireCollector(),
    "--json",
    ...extra,
  ]);
  if (!r.stdout.startsWith("{")) throw new Error(`replay printed no report (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, summary: JSON.parse(r.stdout) as ReplaySummary, stderr: r.stderr };
}

/** A masking rule of a description, by the section it sits in and its entry. */
export interface MaskingRule {
  section: "remove" | "pseudonymize" | "detect" | "scrub_queries" | "redact_values" | "numbers";
  /** The entry: a key, a detector or a rule name; for `numbers`, the option itself. */
  entry: string;
}

/** The rule as a planted value's manifest names it (see src/traffic/planted.ts). */
export function ruleName(rule: MaskingRule): string {
  switch (rule.section) {
    case "detect":
      return `detect ${rule.entry}`;
    case "numbers":
      return "numbers";
    default:
      return `${rule.section} ${rule.entry}`;
  }
}

/** Every masking rule a description states. */
export async function maskingRules(description: string): Promise<MaskingRule[]> {
  const masking = parseDocument(await readFile(description, "utf8")).toJS().masking as Record<string, unknown>;
  const entries = (section: MaskingRule["section"]): MaskingRule[] => {
    const value = masking[section];
    if (Array.isArray(value))
      return value.map((v: unknown) => ({ section, entry: typeof v === "string" ? v : (v as { key: string }).key }));
    if (value && typeof value === "object") return Object.keys(value).map((entry) => ({ section, entry }));
    return [];
  };
  return [
    ...entries("remove"),
    ...entries("pseudonymize"),
    ...entries("detect"),
    ...entries("redact_values"),
    ...entries("scrub_queries"),
    ...(masking["numbers"] === true ? [{ section: "numbers" as const, entry: "numbers" }] : []),
  ];
}

/** Writes the description with one masking rule taken out, as someone editing it carelessly would. */
export async function writeWithout(description: string, rule: MaskingRule, out: string): Promise<void> {
  const doc = parseDocument(await readFile(description, "utf8"));
  if (rule.section === "numbers") doc.setIn(["masking", "numbers"], false);
  else {
    const section = doc.getIn(["masking", rule.section]) as {
      items: Array<{ key?: { value: unknown }; value?: unknown; toJSON(): unknown }>;
    };
    const index = section.items.findIndex((item) => {
      const v = item.key ? item.key.value : (item.toJSON?.() ?? item.value);
      return v === rule.entry || (typeof v === "object" && (v as { key?: string } | null)?.key === rule.entry);
    });
    if (index < 0) throw new Error(`${description} has no ${rule.section} entry ${rule.entry}`);
    section.items.splice(index, 1);
  }
  await writeFile(out, String(doc));
}
