import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Handlebars from "handlebars";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../shop/driver/browser.js";
import { compileCollectorConfig } from "../src/compile/index.js";
import { readPlanted, type PlantedValue } from "../src/traffic/planted.js";
import { resolveEnvironment } from "../src/resolve/resolve.js";
import type { ReplaySummary } from "../src/replay/report/model.js";
import { loadRepoDescription, repoPath } from "./helpers/repo.js";
import { replayCli, tracegen, writeWithout } from "./helpers/replay-cli.js";

/*
 * The replay report page in Debian's Chromium: a passing replay of the shop description and a
 * failing one (a masking rule taken out, so planted values leak) each write a page with
 * `tracegen replay --html`. The page loads with no console error and no request beyond
 * itself, draws the diagram, the share chart and the waterfalls from the replay's own numbers,
 * groups the findings by rule, and never holds a planted value. Screenshots go to build/.
 */

const ENV = "prod";
let dir: string;
let corpus: string;
let planted: PlantedValue[];
let browser: { context: BrowserContext; close(): Promise<void> };
const replays: Record<"pass" | "fail", { code: number; summary: ReplaySummary; html: string; file: string }> =
  {} as never;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "replay-report-"));
  corpus = join(dir, "shop.jsonl");
  const synth = await tracegen([
    "fixtures",
    "synth",
    "--seed",
    "11",
    "--traces",
    "150",
    "--rate",
    "150",
    "--out",
    corpus,
  ]);
  if (synth.code !== 0) throw new Error(synth.stderr);
  planted = (await readPlanted(corpus))!;
  const broken = join(dir, "without-email-detection.tracing.yaml");
  await writeWithout(repoPath("tracing.yaml"), { section: "detect", entry: "email" }, broken);
  for (const [name, description] of [
    ["pass", repoPath("tracing.yaml")],
    ["fail", broken],
  ] as const) {
    const file = join(dir, `report-${name}.html`);
    const { code, summary } = await replayCli(description, ENV, corpus, ["--decision-wait", "2s", "--html", file]);
    replays[name] = { code, summary, file, html: await readFile(file, "utf8") };
  }
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Loaded {
  page: Page;
  consoleErrors: string[];
  /** Every request but the page's own. */
  requests: string[];
}

async function load(file: string): Promise<Loaded> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1100, height: 900 });
  const url = pathToFileURL(file).href;
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && consoleErrors.push(m.text())));
  page.on("pageerror", (e) => consoleErrors.push(e.message));
  page.on("request", (r) => void (r.url() !== url && requests.push(r.url())));
  await page.goto(url, { timeout: 15_000, waitUntil: "load" });
  return { page, consoleErrors, requests };
}

/** What the page's elements are to the check below (the tests compile without the DOM's types). */
interface DomElement {
  childNodes: ArrayLike<{ nodeType: number; textContent: string | null }>;
  getAttributeNames(): string[];
  getAttribute(name: string): string | null;
}

/** Every planted value the HTML holds, raw or as the template's escaping writes it; key names only as whole texts. */
async function plantedIn(html: string, page: Page): Promise<string[]> {
  const lower = html.toLowerCase();
  const texts = new Set(
    (
      await page.$$eval("*", (elements: ReadonlyArray<DomElement>) =>
        elements.flatMap((e) => [
          ...Array.from(e.childNodes)
            .filter((n) => n.nodeType === 3)
            .map((n) => n.textContent ?? ""),
          ...e.getAttributeNames().map((a) => e.getAttribute(a) ?? ""),
        ]),
      )
    ).map((t) => t.trim().toLowerCase()),
  );
  const found: string[] = [];
  for (const p of planted) {
    if (p.whole) {
      // A removed key's name is planted too, and the page names the rules that remove it.
      if (texts.has(p.value.toLowerCase())) found.push(`${p.kind}: ${p.value}`);
      continue;
    }
    const forms = p.binary ? [p.value, Buffer.from(p.value, "base64").toString("base64url")] : [p.value];
    for (const form of forms)
      for (const written of new Set([form, Handlebars.escapeExpression(form)]))
        if (lower.includes(written.toLowerCase())) found.push(`${p.kind} in ${p.place}`);
  }
  return found;
}

async function screenshot(page: Page, name: string): Promise<void> {
  const path = repoPath("build", `report-${name}.png`);
  await mkdir(repoPath("build"), { recursive: true });
  await page.screenshot({ path, fullPage: true });
  console.log(`replay report screenshot: ${path}`);
}

describe.each(["pass", "fail"] as const)("the report page of a %sing replay", (name) => {
  let loaded: Loaded;
  beforeAll(async () => {
    loaded = await load(replays[name].file);
  }, 60_000);
  afterAll(() => loaded?.page.close());

  it("is what the replay's verdict says, and loads with no console error and no request", async () => {
    const { code, summary } = replays[name];
    expect(code).toBe(name === "pass" ? 0 : 1);
    expect(summary.ok).toBe(name === "pass");
    expect(await loaded.page.getAttribute(".verdict", "data-ok")).toBe(String(name === "pass"));
    expect(loaded.consoleErrors).toEqual([]);
    expect(loaded.requests).toEqual([]);
    await screenshot(loaded.page, name);
  });

  it("draws one node per component of each pipeline, and the connector links", async () => {
    const { description } = await loadRepoDescription("tracing.yaml");
    const config = compileCollectorConfig(resolveEnvironment(description, ENV));
    const nodes = await loaded.page.$$eval("#pipeline-diagram g.node", (gs) =>
      gs.map((g) => `${g.getAttribute("data-pipeline")} ${g.getAttribute("data-component")}`),
    );
    const expected = Object.entries(config.service.pipelines).flatMap(([p, s]) =>
      [...s.receivers, ...s.processors, ...s.exporters].map((id) => `${p} ${id}`),
    );
    expect(nodes.sort()).toEqual(expected.sort());
    expect(await loaded.page.locator("#pipeline-diagram path.edge.connector").count()).toBe(
      Object.keys(config.connectors).length,
    );
    // Drawn, not just present: every node has a box the browser laid out.
    const box = await loaded.page.locator("#pipeline-diagram g.node").first().boundingBox();
    expect(box!.width).toBeGreaterThan(50);
  });

  it("draws one bar per flow with the tolerance band the sampling check computed", async () => {
    const { rows } = replays[name].summary.report.sampling;
    const bars = await loaded.page.$$eval("#share-chart g.share-row", (gs) =>
      gs.map((g) => {
        const kept = g.querySelector("rect.kept")!;
        const band = g.querySelector("rect.band");
        return {
          flow: g.getAttribute("data-flow"),
          kept: Number(kept.getAttribute("data-kept")),
          total: Number(kept.getAttribute("data-total")),
          band: band && [Number(band.getAttribute("data-low")), Number(band.getAttribute("data-high"))],
          expected: Number(g.querySelector("line.expected")!.getAttribute("data-expected")),
        };
      }),
    );
    expect(bars).toEqual(
      rows.map((r) => ({
        flow: r.flow,
        kept: r.ordinary.kept,
        total: r.ordinary.total,
        band: r.ordinary.total > 0 ? [r.ordinary.low, r.ordinary.high] : null,
        expected: r.ordinary.expected,
      })),
    );
    expect(rows.some((r) => r.ordinary.total > 0 && r.ordinary.low < r.ordinary.high)).toBe(true);
  });

  it("shows the must-keep traces kept against sent, per flow", async () => {
    const cells = await loaded.page.$$eval("#must-keep td.must-keep", (tds) =>
      tds.map((td) => [
        td.getAttribute("data-class"),
        Number(td.getAttribute("data-kept")),
        Number(td.getAttribute("data-total")),
      ]),
    );
    const rows = replays[name].summary.report.sampling.rows;
    expect(cells).toEqual(
      rows.flatMap((r) => [
        ["errors", r.errors.kept, r.errors.total],
        ["over-sla", r.overSla.kept, r.overSla.total],
      ]),
    );
    expect(rows.reduce((n, r) => n + r.errors.total + r.overSla.total, 0)).toBeGreaterThan(0);
  });

  it("draws a waterfall of kept traces for each flow", async () => {
    for (const flow of Object.keys((await loadRepoDescription("tracing.yaml")).description.flows)) {
      const section = loaded.page.locator(`.flow-waterfalls[data-flow="${flow}"]`);
      const traces = await section.locator("svg.waterfall").count();
      expect(traces).toBeGreaterThan(0);
      expect(traces).toBeLessThanOrEqual(3);
      expect(await section.locator("svg.waterfall").first().locator("rect.span-bar").count()).toBeGreaterThan(0);
    }
  });

  it("holds no planted value", async () => {
    expect(planted.length).toBeGreaterThan(1000);
    expect(await plantedIn(replays[name].html, loaded.page)).toEqual([]);
  });
});

describe("the failing replay's page", () => {
  it("lists the findings under the rule they break, each with where it is", async () => {
    const { summary, file } = replays.fail;
    const { page } = await load(file);
    try {
      const leaks = summary.report.findings.filter((f) => f.code === "planted-value");
      expect(leaks.length).toBeGreaterThan(0);
      expect(await page.getAttribute('.family[data-family="leaks"]', "data-ok")).toBe("false");
      const rule = page.locator('li.rule[data-rule="planted-value"]');
      expect(await rule.getAttribute("data-ok")).toBe("false");
      expect(await rule.locator("li.finding").count()).toBe(leaks.length);
      const located = leaks.filter((f) => f.where).length;
      expect(await rule.locator("li.finding .where").count()).toBe(located);
      expect(located).toBeGreaterThan(0);
      // Rules that held show no finding.
      for (const code of ["removed-key", "altered", "error-trace-dropped"])
        expect(await page.locator(`li.rule[data-rule="${code}"] li.finding`).count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});

describe("the page checks themselves can fail", () => {
  it("a page that fetches something is caught, and so is a planted value written into it", async () => {
    const { html } = replays.pass;
    const leaky = planted.find((p) => !p.whole && !p.binary && p.kind === "email")!;
    const tampered = join(dir, "tampered.html");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(
      tampered,
      html.replace(
        "</main>",
        `<p>${Handlebars.escapeExpression(leaky.value)}</p><img src="http://127.0.0.1:9/x.png"></main>`,
      ),
    );
    const { page, requests, consoleErrors } = await load(tampered);
    try {
      expect(requests).toEqual(["http://127.0.0.1:9/x.png"]);
      // The page's own policy refuses the fetch, and says so on the console.
      expect(consoleErrors.join("\n")).toMatch(/Content Security Policy/);
      expect(await plantedIn(await readFile(tampered, "utf8"), page)).toContain(`${leaky.kind} in ${leaky.place}`);
    } finally {
      await page.close();
    }
  });
});
