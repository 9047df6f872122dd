import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import type { TailSamplingConfig } from "../src/collector/components.js";
import type { CollectorConfig } from "../src/collector/config.js";
import { ID } from "../src/collector/registry.js";
import { readPlanted, writePlanted, type PlantedValue } from "../src/traffic/planted.js";
import { readFixtureFile, type FixtureRequest } from "../src/traffic/read.js";
import { synthModel } from "../src/traffic/synth/model.js";
import { synthesize } from "../src/traffic/synth/synth.js";
import { resolveEnvironment, type ResolvedEnvironment } from "../src/resolve/resolve.js";
import { binomialTolerance } from "../src/replay/checks/binomial.js";
import type { CheckReport } from "../src/replay/checks/index.js";
import { RULES } from "../src/replay/checks/rules.js";
import { replay } from "../src/replay/replay.js";
import { loadRepoDescription, repoPath, requireCollector } from "./helpers/repo.js";
import { replayCli, tracegen, writeWithout } from "./helpers/replay-cli.js";

/*
 * A check that cannot fail is a defect. Each break below breaks the real collector on
 * purpose, the way a careless edit would (a rule taken out of the description, or the
 * generated config changed), replays synthetic traffic through it, and asserts exactly the
 * findings that name the break and a failed replay (exit 1 where it goes through the CLI).
 * The expectations always come from the unbroken description; the planted values from the
 * manifest of a corpus synthesized from it. The last test holds the list of breaks against
 * the list of finding codes: a code no break produces is a check nobody has seen fail.
 */

interface Break {
  name: string;
  /** Exactly the finding codes the replay must report. */
  codes: string[];
  run: () => Promise<Outcome>;
  /** Further assertions on what was found. */
  also?: (o: Outcome) => void;
}

interface Outcome {
  report: CheckReport;
  /** The CLI's exit code, for breaks that go through `tracegen replay`. */
  exit?: number;
}

let dir: string;
let description: string;
let payments: string;
let prod: ResolvedEnvironment;
let dev: ResolvedEnvironment;
let sandbox: ResolvedEnvironment;
let corpus: { file: string; fixtures: FixtureRequest[]; planted: PlantedValue[] };
let paymentsCorpus: { file: string; fixtures: FixtureRequest[]; planted: PlantedValue[] };

async function synthCorpus(file: string, from: string, traces: number): Promise<typeof corpus> {
  const r = await tracegen([
    "fixtures",
    "synth",
    "--file",
    from,
    "--seed",
    "5",
    "--traces",
    `${traces}`,
    "--rate",
    "150",
    "--out",
    file,
  ]);
  if (r.code !== 0) throw new Error(r.stderr);
  const read = await readFixtureFile(file);
  if (!read.ok) throw new Error(`${file} does not read back`);
  return { file, fixtures: read.requests, planted: (await readPlanted(file))! };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "replay-breaks-"));
  description = repoPath("tracing.yaml");
  payments = repoPath("examples/payments.tracing.yaml");
  const shop = await loadRepoDescription("tracing.yaml");
  prod = resolveEnvironment(shop.description, "prod");
  dev = resolveEnvironment(shop.description, "dev");
  sandbox = resolveEnvironment((await loadRepoDescription("examples/payments.tracing.yaml")).description, "sandbox");
  [corpus, paymentsCorpus] = await Promise.all([
    synthCorpus(join(dir, "shop.jsonl"), description, 150),
    synthCorpus(join(dir, "payments.jsonl"), payments, 150),
  ]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Replays a corpus through the collector running `env`'s config as `tamper` breaks it. */
async function broken(
  env: ResolvedEnvironment,
  tamper: (c: CollectorConfig) => void,
  o: { corpus?: typeof corpus; decisionWait?: string } = {},
): Promise<Outcome> {
  const c = o.corpus ?? corpus;
  const { report } = await replay({
    env,
    fixtures: c.fixtures,
    planted: c.planted,
    collector: requireCollector(),
    speed: 1,
    confidence: 0.999,
    decisionWait: o.decisionWait ?? "2s",
    tamper,
  });
  return { report };
}

/** Replays the shop corpus through `tracegen replay` with a description that lost one rule. */
async function withoutRule(
  from: string,
  env: string,
  rule: Parameters<typeof writeWithout>[1],
  fixture: string,
): Promise<Outcome> {
  const file = join(dir, `${rule.section}-${rule.entry}-${Math.random().toString(36).slice(2)}.yaml`);
  await writeWithout(from, rule, file);
  const { code, summary } = await replayCli(file, env, fixture, ["--decision-wait", "2s"]);
  return { report: summary.report, exit: code };
}

/** A copy of the shop corpus whose manifest names only the values planted in some places. */
async function onlyPlantedIn(name: string, place: RegExp): Promise<string> {
  const file = join(dir, `${name}.jsonl`);
  await copyFile(corpus.file, file);
  await writePlanted(
    file,
    corpus.planted.filter((p) => place.test(p.place)),
  );
  return file;
}

const masking = (c: CollectorConfig) =>
  c.processors[ID.masking] as {
    remove: string[];
    pseudonymize: { keys: string[]; key: string };
    redact_values: Array<{ name: string; pattern: string }>;
    scrub_queries: Array<{ key: string }>;
  };
const sampler = (c: CollectorConfig) => c.processors[ID.tailSampling] as TailSamplingConfig;
const planted = (o: Outcome) => o.report.findings.filter((f) => f.code === "planted-value" && f.where);

/*
 * How many ordinary traces of one flow a replay needs so that moving its share by 10 points
 * fails the binomial test with at least 99% power: the smallest n for which a share of 20%
 * falls outside the 99.9% tolerance of order-upload's 10% with probability 0.99. Exact, from
 * the binomial distribution: n = 387 (the normal approximation,
 * ((z_0.0005·√(p0·q0) + z_0.01·√(p1·q1)) / 0.1)², gives 368). A synthetic corpus has about one
 * ordinary order-upload trace in five, so 2,200 traces carry more than 387 of them.
 */
const SHARE = { flow: "order-upload", from: 0.1, to: 0.2, confidence: 0.999, power: 0.99 } as const;

function powerOfShareTest(n: number): number {
  const { low, high } = binomialTolerance(n, SHARE.from, SHARE.confidence);
  let logFactorial = 0;
  const lf = [0];
  for (let i = 1; i <= n; i++) lf.push((logFactorial += Math.log(i)));
  let outside = 0;
  for (let k = 0; k <= n; k++)
    if (k < low || k > high)
      outside += Math.exp(lf[n]! - lf[k]! - lf[n - k]! + k * Math.log(SHARE.to) + (n - k) * Math.log1p(-SHARE.to));
  return outside;
}

const BREAKS: Break[] = [
  {
    name: "a detector taken out of the description: the values only it finds come out (CLI)",
    codes: ["planted-value"],
    run: () => withoutRule(description, "prod", { section: "detect", entry: "email" }, corpus.file),
    also: (o) => expect(planted(o).every((f) => f.message.includes("`detect email`"))).toBe(true),
  },
  {
    name: "a custom redact_values pattern taken out of another description (CLI)",
    codes: ["planted-value"],
    run: () => withoutRule(payments, "sandbox", { section: "redact_values", entry: "email" }, paymentsCorpus.file),
    also: (o) => expect(planted(o).some((f) => f.message.includes("`redact_values email`"))).toBe(true),
  },
  {
    name: "the detectors taken out: a value comes out in trace state (CLI)",
    codes: ["planted-value"],
    run: async () => withoutDetectors(await onlyPlantedIn("trace-state", /traceState/)),
    also: (o) => expect(planted(o).every((f) => /\.traceState$/.test(f.where!.path!))).toBe(true),
  },
  {
    name: "the detectors taken out: a value comes out in bytes (CLI)",
    codes: ["planted-value"],
    run: async () => withoutDetectors(await onlyPlantedIn("bytes", /bytes/)),
    also: (o) => expect(planted(o).every((f) => /\.bytesValue$/.test(f.where!.path!))).toBe(true),
  },
  {
    name: "the detectors taken out: a value comes out in an attribute key (CLI)",
    codes: ["planted-value"],
    run: async () => withoutDetectors(await onlyPlantedIn("keys", /in the key/)),
    also: (o) => expect(planted(o).every((f) => /\.key$/.test(f.where!.path!))).toBe(true),
  },
  {
    name: "a removed key kept by the config",
    codes: ["removed-key", "planted-value"],
    run: () => broken(prod, (c) => void (masking(c).remove = masking(c).remove.filter((k) => k !== "user.email"))),
    also: (o) =>
      expect(o.report.findings.find((f) => f.code === "removed-key")!.message).toBe("removed key `user.email` arrived"),
  },
  {
    name: "a pseudonymize key dropped by the config: raw values, and forged pseudonyms passed through",
    codes: ["planted-value", "raw-pseudonymized", "wrong-pseudonym"],
    run: () =>
      broken(
        prod,
        (c) => void (masking(c).pseudonymize.keys = masking(c).pseudonymize.keys.filter((k) => k !== "user.id")),
      ),
  },
  {
    name: "a scrub_queries key dropped by the config",
    codes: ["planted-value", "unscrubbed-literal"],
    run: () =>
      broken(
        prod,
        (c) => void (masking(c).scrub_queries = masking(c).scrub_queries.filter((s) => s.key !== "db.query.text")),
      ),
    also: (o) =>
      expect(o.report.findings.find((f) => f.code === "unscrubbed-literal")!.message).toMatch(
        /^`db\.query\.text` still holds/,
      ),
  },
  {
    name: "a custom redact_values pattern dropped by the config",
    codes: ["planted-value", "redact-pattern"],
    run: () =>
      broken(
        sandbox,
        (c) => void (masking(c).redact_values = masking(c).redact_values.filter((r) => r.name !== "email")),
        {
          corpus: paymentsCorpus,
        },
      ),
  },
  {
    name: "another pseudonym secret",
    codes: ["wrong-pseudonym"],
    run: () => broken(prod, (c) => void (masking(c).pseudonymize.key = "an-other-secret-of-at-least-32-bytes!")),
  },
  {
    name: "a rule the description does not have removes an attribute",
    codes: ["altered"],
    run: () => broken(prod, (c) => void masking(c).remove.push("http.route")),
    also: (o) => expect(o.report.findings[0]!.message).toBe("an attribute was lost that masking keeps"),
  },
  {
    name: "a rule the description does not have redacts",
    codes: ["altered"],
    run: () => broken(prod, (c) => void masking(c).redact_values.push({ name: "verbs", pattern: "POST|PUT" })),
    also: (o) => expect(o.report.findings[0]!.message).toMatch(/changed beyond masking/),
  },
  {
    name: "a transform processor in the trace pipeline rewrites span kinds",
    codes: ["altered"],
    run: () =>
      broken(prod, (c) => {
        c.processors["transform/kinds"] = {
          trace_statements: [
            { context: "span", statements: ["set(span.kind, SPAN_KIND_INTERNAL) where span.kind == SPAN_KIND_SERVER"] },
          ],
        };
        c.service.pipelines["traces/ingest"]!.processors.push("transform/kinds");
      }),
    also: (o) => expect(o.report.findings[0]!.message).toBe("kind changed from 2 to 1"),
  },
  {
    name: "the collector's own traces exported into the trace store (dev): spans nobody sent, with client addresses",
    codes: ["unknown-span", "raw-pseudonymized"],
    run: () =>
      broken(dev, (c) => {
        const endpoint = (c.exporters["otlp_grpc/jaeger"] as { endpoint: string }).endpoint;
        (c.service.telemetry as unknown as Record<string, unknown>)["traces"] = {
          level: "normal",
          processors: [
            {
              batch: {
                schedule_delay: 200,
                exporter: { otlp: { protocol: "grpc", endpoint: `http://${endpoint}`, insecure: true } },
              },
            },
          ],
        };
      }),
  },
  {
    name: "a compression the trace store does not speak (another description, Jaeger over OTLP/HTTP): nothing readable arrives",
    // Nothing arrives, so the sampling checks fail as well: errors and slow traces were not kept, shares are 0.
    codes: ["not-otlp", "error-trace-dropped", "slow-trace-dropped", "flow-share"],
    run: () =>
      broken(
        sandbox,
        (c) => void ((c.exporters["otlp_http/jaeger"] as Record<string, unknown>)["compression"] = "zstd"),
        {
          corpus: paymentsCorpus,
        },
      ),
  },
  {
    name: "the error policy dropped",
    // Error traces the flows' shares still keep now name the share as their reason: caught as well.
    codes: ["error-trace-dropped", "kept-by"],
    run: () => broken(prod, (c) => void (sampler(c).policies = sampler(c).policies.filter((p) => p.name !== "errors"))),
  },
  {
    name: "the over-SLA policies dropped",
    codes: ["slow-trace-dropped", "kept-by"],
    run: () =>
      broken(
        prod,
        (c) => void (sampler(c).policies = sampler(c).policies.filter((p) => !p.name.endsWith("/over-sla"))),
      ),
  },
  {
    name: `a flow's share moved by 10 points (${SHARE.flow}: ${SHARE.from * 100}% to ${SHARE.to * 100}%), with traces enough for ${SHARE.power * 100}% power`,
    codes: ["flow-share"],
    run: async () =>
      broken(prod, (c) => setShare(c, `${SHARE.flow}/share`, SHARE.to * 100), { corpus: await bigCorpus() }),
    also: (o) => {
      const row = o.report.sampling.rows.find((r) => r.flow === SHARE.flow)!;
      expect(powerOfShareTest(row.ordinary.total)).toBeGreaterThanOrEqual(SHARE.power);
      expect(o.report.findings[0]!.message).toMatch(
        /^order-upload: kept \d+ of \d+ ordinary traces .*its keep of 10% allows/,
      );
    },
  },
  {
    name: "the share of traces in no flow moved by 10 points (1% to 11%)",
    codes: ["unmatched-share"],
    run: async () => broken(prod, (c) => setShare(c, "unmatched", 11), { corpus: await bigCorpus() }),
  },
  {
    name: "the decision cache disabled: late spans of kept traces are lost once their trace left memory",
    codes: ["incomplete-trace"],
    // Memory is scaled to the replay's traffic as production's is to its own: traces stay a little
    // longer than their decision (150 traces/s for 2.5 s), so late consumer spans find their trace
    // gone. With the cache their decision is remembered; without it they are decided again alone,
    // where the error that kept their trace is not to be seen.
    run: async () =>
      broken(
        prod,
        (c) => {
          sampler(c).num_traces = 375;
          sampler(c).decision_cache = { sampled_cache_size: 0, non_sampled_cache_size: 0 };
        },
        { corpus: await lateCorpus(), decisionWait: "1s" },
      ),
  },
  {
    name: "a second exporter to the same trace store: kept spans arrive twice",
    codes: ["kept-twice"],
    run: () =>
      broken(prod, (c) => {
        c.exporters["otlp_grpc/again"] = c.exporters["otlp_grpc/jaeger"];
        c.service.pipelines["traces/sampled"]!.exporters.push("otlp_grpc/again");
      }),
  },
  {
    name: "span metrics moved after sampling",
    codes: ["flow-metrics-count"],
    run: () =>
      broken(prod, (c) => {
        const { pipelines } = c.service;
        pipelines["traces/ingest"]!.exporters = pipelines["traces/ingest"]!.exporters.filter(
          (e) => e !== ID.spanMetrics,
        );
        pipelines["traces/sampled"]!.exporters.push(ID.spanMetrics);
      }),
    also: (o) =>
      expect(o.report.findings[0]!.message).toMatch(/^span metrics counted \d+ of the \d+ spans sent in order-/),
  },
  {
    name: "span metrics removed: the check fails, it does not switch itself off",
    codes: ["flow-metrics-missing"],
    run: () =>
      broken(prod, (c) => {
        delete c.connectors[ID.spanMetrics];
        delete c.exporters[ID.prometheus];
        delete c.service.pipelines["metrics/flows"];
        const ingest = c.service.pipelines["traces/ingest"]!;
        ingest.exporters = ingest.exporters.filter((e) => e !== ID.spanMetrics);
      }),
  },
];

/** The shop's description with `detect: []`, replayed through the CLI with a corpus whose manifest names some places only. */
async function withoutDetectors(fixture: string): Promise<Outcome> {
  const doc = parseDocument(await readFile(description, "utf8"));
  doc.setIn(["masking", "detect"], []);
  const file = join(dir, `no-detectors-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, String(doc));
  const { code, summary } = await replayCli(file, "prod", fixture, ["--decision-wait", "2s"]);
  return { report: summary.report, exit: code };
}

function setShare(c: CollectorConfig, policy: string, percent: number): void {
  const p = sampler(c).policies.find((x) => x.name === policy)!;
  p.and!.and_sub_policy.find((s) => s.type === "probabilistic")!.probabilistic!.sampling_percentage = percent;
}

let big: Promise<typeof corpus> | undefined;
/** The corpus the share breaks need (see SHARE); made once, in memory. */
function bigCorpus(): Promise<typeof corpus> {
  big ??= Promise.resolve().then(() => {
    const r = synthesize(synthModel([prod]), { seed: 9, traces: 2200, rate: 300 });
    return {
      file: "big",
      fixtures: r.requests.map((request) => ({ request, file: "big", line: 1 })),
      planted: r.planted,
    };
  });
  return big;
}

/** Enough traces at 150 a second that decided ones leave a memory sized for 2.5 s of them. */
function lateCorpus(): Promise<typeof corpus> {
  const r = synthesize(synthModel([prod]), { seed: 6, traces: 800, rate: 150 });
  return Promise.resolve({
    file: "late",
    fixtures: r.requests.map((request) => ({ request, file: "late", line: 1 })),
    planted: r.planted,
  });
}

describe.concurrent("replay catches a collector broken on purpose", () => {
  it.each(BREAKS.map((b) => [b.name, b] as const))(
    "%s",
    async (_, b) => {
      const o = await b.run();
      const found = [...new Set(o.report.findings.map((f) => f.code))].sort();
      expect(found, JSON.stringify(o.report.findings.slice(0, 5), null, 1)).toEqual([...b.codes].sort());
      expect(o.report.ok).toBe(false);
      if (o.exit !== undefined) expect(o.exit).toBe(1);
      b.also?.(o);
    },
    240_000,
  );
});

describe("the break suite", () => {
  it("makes every finding code the harness defines appear at least once", () => {
    // The OTLP receiver of the pinned collector never answers a partial success for traces, so no break of
    // it can; test/http-failure-paths.test.ts plays that answer at the HTTP layer and sees the finding.
    const produced = new Set([...BREAKS.flatMap((b) => b.codes), "rejected-spans"]);
    expect(Object.keys(RULES).filter((code) => !produced.has(code))).toEqual([]);
    expect([...produced].filter((code) => !(code in RULES))).toEqual([]);
  });

  it("sizes the share break's corpus for 99% power: 387 ordinary traces of the flow are the least that give it", () => {
    expect(powerOfShareTest(387)).toBeGreaterThanOrEqual(SHARE.power);
    expect(powerOfShareTest(386)).toBeLessThan(SHARE.power);
  });
});
