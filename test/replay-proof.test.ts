import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPlanted, type PlantedValue } from "../src/traffic/planted.js";
import { repoPath } from "./helpers/repo.js";
import { maskingRules, replayCli, ruleName, tracegen, writeWithout, type MaskingRule } from "./helpers/replay-cli.js";

/*
 * The proof the masking issue asks for, through `tracegen` as a user runs it: one corpus,
 * synthesized from the reference description with personal data planted in every place of the
 * OTLP data model that holds text, replays clean through dev, staging and prod; and with each
 * masking rule of the description taken out in turn, the replay fails (exit 1) with a leak of
 * a value that rule, and only that rule, was there to take out. Dev keeps every trace, so
 * every planted value has its chance to come out.
 */

const DESCRIPTION = repoPath("tracing.yaml");
const RULES = await maskingRules(DESCRIPTION);

let dir: string;
let corpus: string;
let planted: PlantedValue[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "replay-proof-"));
  corpus = join(dir, "planted.jsonl");
  const r = await tracegen(["fixtures", "synth", "--seed", "13", "--traces", "120", "--rate", "150", "--out", corpus]);
  if (r.code !== 0) throw new Error(r.stderr);
  planted = (await readPlanted(corpus))!;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** `rule` as the manifest names it in a finding's message. */
const names = (message: string, rule: MaskingRule) =>
  rule.section === "numbers"
    ? / in numbers` should have removed it/.test(message)
    : message.includes(`\`${ruleName(rule)}\``);

describe.concurrent("the reference description's masking, proven by replaying planted values", () => {
  it.each(["dev", "staging", "prod"])(
    "lets no planted value out in %s",
    async (env) => {
      const { code, summary, stderr } = await replayCli(DESCRIPTION, env, corpus, ["--decision-wait", "2s"]);
      expect(summary.report.findings).toEqual([]);
      expect(code, stderr).toBe(0);
      expect(summary.report.searched.planted).toBe(planted.length);
    },
    240_000,
  );

  it.each(RULES.map((rule) => [ruleName(rule), rule] as const))(
    "fails without `%s`, naming it",
    async (_, rule) => {
      // Only a value no other rule takes out can show the rule is missing.
      expect(planted.some((p) => p.rules.length === 1 && names(`\`${p.rules[0]}\` should have removed it`, rule))).toBe(
        true,
      );
      const file = join(dir, `without-${rule.section}-${rule.entry}.yaml`);
      await writeWithout(DESCRIPTION, rule, file);
      const { code, summary } = await replayCli(file, "dev", corpus, ["--decision-wait", "1s", "--speed", "max"]);
      const leaks = summary.report.findings.filter((f) => f.code === "planted-value" && f.where);
      expect(
        leaks.some((f) => names(f.message, rule)),
        JSON.stringify(leaks.slice(0, 3), null, 1),
      ).toBe(true);
      expect(summary.report.families).toMatchObject({ leaks: false, sampling: true });
      expect(code).toBe(1);
    },
    240_000,
  );
});
