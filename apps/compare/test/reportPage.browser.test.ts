/**
 * End to end: a tiny comparison run (two stand-in writepath strategies, a real peer and
 * limit-sync), its HTML report rendered by the app's own code, opened in Debian's
 * Chromium. Checks the charts drew their data points and the page logged no error.
 */
import { execSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { type Browser, chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CompareConfig, defaultConfig } from "../src/CompareConfig.ts"
import { classicLevel } from "../src/engines/classicLevel.ts"
import { limitSync } from "../src/engines/limitSync.ts"
import { makeReport } from "../src/makeReport.ts"
import { renderHtml } from "../src/renderHtml.ts"
import { runMatrix } from "../src/runMatrix.ts"
import { fakeEngine } from "./fakeEngine.ts"

const executablePath = "/usr/bin/chromium"
const args = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
]

const config: CompareConfig = {
  ...defaultConfig,
  engines: ["writepath", "classic-level", "limit-sync"],
  strategies: ["classic", "pipelined"],
  workloads: ["fillrandom", "readwhilewriting"],
  writers: [1, 4],
  ops: 100,
  budgetSeconds: null,
  rounds: 2,
  warmUp: false,
}

let browser: Browser | undefined
let folder = ""

beforeAll(async () => {
  if (!fs.existsSync(executablePath))
    execSync("apt-get update -qq && apt-get install -y -qq chromium", { stdio: "inherit", timeout: 600_000 })
  const results = await runMatrix(config, { engines: [fakeEngine(), fakeEngine({ strategy: "pipelined" }), classicLevel, limitSync] })
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "compare-page-"))
  fs.writeFileSync(path.join(folder, "report.html"), await renderHtml(makeReport(config, new Date(), results)))
  fs.writeFileSync(path.join(folder, "full.html"), await renderHtml(makeReport({ ...config, full: true }, new Date(), results)))
  browser = await chromium.launch({ executablePath, args })
}, 900_000)

afterAll(async () => {
  await browser?.close()
  if (folder !== "") fs.rmSync(folder, { recursive: true, force: true })
})

const open = async (name: string) => {
  const page = await browser!.newPage()
  const errors: string[] = []
  page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())))
  page.on("pageerror", (e) => void errors.push(e.message))
  page.on("requestfailed", (r) => void errors.push(`request failed: ${r.url()}`))
  await page.goto(`file://${path.join(folder, name)}`)
  const charts = await page.$$eval("figure.chart", (figs) =>
    figs.map((f) => ({
      id: f.id,
      svg: f.querySelector("svg") !== null,
      // Vega draws bars as paths in a .mark-rect group, rules as lines in .mark-rule, points in .mark-symbol.
      bars: f.querySelectorAll("g.mark-rect.role-mark path").length,
      rules: f.querySelectorAll("g.mark-rule.role-mark line").length,
      points: f.querySelectorAll("g.mark-symbol.role-mark path").length,
      text: [...f.querySelectorAll("g.mark-text.role-mark text")].map((t) => t.textContent),
      width: f.querySelector("svg")?.getBoundingClientRect().width ?? 0,
    })),
  )
  return { page, errors, charts, byId: new Map(charts.map((c) => [c.id, c])) }
}

describe("report.html in Chromium", () => {
  it("leads with the advice, then a bar chart with range bars and limit rules and a CDF per cell, headline first, then group sizes", async () => {
    const { page, errors, charts, byId } = await open("report.html")
    expect(await page.locator("#runtime").textContent()).toMatch(/^node 20\./)
    const headings = await page.locator("h2").allTextContents()
    expect(headings[0]).toBe("Which strategy to use")
    const advice = await page.locator("#advice li").allTextContents()
    // fillrandom and readwhilewriting, sync and no-sync, at 4 writers.
    expect(advice).toHaveLength(4)
    expect(advice[0]).toMatch(
      /^fillrandom, sync, 4 writers: use (classic|pipelined) \([\d,]+ ops\/s median\); .*open\(\{ path, strategy: "(classic|pipelined)" \}\) \| Db\.layer\(.*WRITEPATH_STRATEGY=(classic|pipelined)$/,
    )
    // The headline cell (fillrandom, sync, at the largest writer count, 4) first, then the other cells at 4 writers;
    // the old line charts are --full only.
    const cellIds = ["fillrandom-sync-4", "fillrandom-nosync-4", "readwhilewriting-sync-4", "readwhilewriting-nosync-4"]
    expect(charts.map((c) => c.id)).toEqual([...cellIds.flatMap((c) => [`bars-${c}`, `cdf-${c}`]), "groups-vs-rocksdb"])
    for (const c of charts) {
      expect(c.svg, c.id).toBe(true)
      expect(c.width, c.id).toBeGreaterThan(200)
    }
    // Three engines as bars (two strategies, classic-level), each with a min..max rule, and limit-sync as a rule with its name.
    expect(byId.get("bars-fillrandom-sync-4")?.bars).toBe(3)
    expect(byId.get("bars-fillrandom-sync-4")?.rules).toBe(4)
    expect(byId.get("bars-fillrandom-sync-4")?.text).toContain("limit-sync")
    // 18 CDF points per engine, limits left out.
    expect(byId.get("cdf-fillrandom-sync-4")?.points).toBe(3 * 18)
    // readwhilewriting has no limit rule (limits have no reads).
    expect(byId.get("bars-readwhilewriting-sync-4")?.rules).toBe(3)
    // Group sizes of the two strategies in each of the four cells (no rocksdb-cpp in this run).
    expect(byId.get("groups-vs-rocksdb")?.bars).toBe(8)
    const verdicts = await page.locator("#verdicts li").allTextContents()
    expect(verdicts).toHaveLength(2)
    expect(verdicts[0]).toMatch(/^fillrandom: sync, 4 writers, writepath\/(classic|pipelined): .*limit-sync/)
    expect(errors).toEqual([])
    await page.screenshot({ path: path.join(folder, "report.png"), fullPage: true })
  }, 60_000)

  it("--full adds the line charts over writer counts", async () => {
    const { errors, charts, byId } = await open("full.html")
    expect(charts.map((c) => c.id).slice(8)).toEqual([
      "groups-vs-rocksdb",
      "throughput-fillrandom",
      "throughput-readwhilewriting",
      "latency",
      "groups",
      "ratio-limit",
      "ratio-peer",
    ])
    // fillrandom: 4 engines x 2 modes x 2 writer counts; readwhilewriting has no limit-sync.
    expect(byId.get("throughput-fillrandom")?.points).toBe(16)
    expect(byId.get("throughput-readwhilewriting")?.points).toBe(12)
    expect(errors).toEqual([])
  }, 60_000)
})
