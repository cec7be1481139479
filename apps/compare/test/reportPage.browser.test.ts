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
  warmUp: false,
}

let browser: Browser | undefined
let file = ""

beforeAll(async () => {
  if (!fs.existsSync(executablePath))
    execSync("apt-get update -qq && apt-get install -y -qq chromium", { stdio: "inherit", timeout: 600_000 })
  const results = await runMatrix(config, { engines: [fakeEngine(), fakeEngine({ strategy: "pipelined" }), classicLevel, limitSync] })
  file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "compare-page-")), "report.html")
  fs.writeFileSync(file, await renderHtml(makeReport(config, new Date(), results)))
  browser = await chromium.launch({ executablePath, args })
}, 900_000)

afterAll(async () => {
  await browser?.close()
  if (file !== "") fs.rmSync(path.dirname(file), { recursive: true, force: true })
})

describe("report.html in Chromium", () => {
  it("shows every chart with its data points, the verdicts, and no console error", async () => {
    const page = await browser!.newPage()
    const errors: string[] = []
    page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())))
    page.on("pageerror", (e) => void errors.push(e.message))
    page.on("requestfailed", (r) => void errors.push(`request failed: ${r.url()}`))
    await page.goto(`file://${file}`)

    expect(await page.locator("#runtime").textContent()).toMatch(/^node 20\./)
    const charts = await page.$$eval("figure.chart", (figs) =>
      figs.map((f) => ({
        id: f.id,
        svg: f.querySelector("svg") !== null,
        // Vega draws each point of a line chart as a path in a .mark-symbol group (legend symbols have another role).
        points: f.querySelectorAll("g.mark-symbol.role-mark path").length,
        width: f.querySelector("svg")?.getBoundingClientRect().width ?? 0,
      })),
    )
    expect(charts.map((c) => c.id)).toEqual([
      "throughput-fillrandom",
      "throughput-readwhilewriting",
      "latency",
      "groups",
      "ratio-limit",
      "ratio-peer",
    ])
    for (const c of charts) {
      expect(c.svg, c.id).toBe(true)
      expect(c.width, c.id).toBeGreaterThan(200)
    }
    const byId = new Map(charts.map((c) => [c.id, c]))
    // fillrandom: 4 engines x 2 modes x 2 writer counts; readwhilewriting has no limit-sync.
    expect(byId.get("throughput-fillrandom")?.points).toBe(16)
    expect(byId.get("throughput-readwhilewriting")?.points).toBe(12)
    expect(byId.get("latency")?.points).toBe(2 * (16 + 12))
    // Groups: the two stand-ins and limit-sync, on fillrandom; the stand-ins on readwhilewriting.
    expect(byId.get("groups")?.points).toBe(12 + 8)
    // Ratios: the stand-ins against limit-sync (fillrandom only) and against classic-level (both workloads).
    expect(byId.get("ratio-limit")?.points).toBe(8)
    expect(byId.get("ratio-peer")?.points).toBe(16)

    const verdicts = await page.locator("#verdicts li").allTextContents()
    expect(verdicts).toHaveLength(2)
    expect(verdicts[0]).toMatch(/^fillrandom: sync, 4 writers: (classic|pipelined) wins with/)
    expect(errors).toEqual([])
    await page.screenshot({ path: path.join(path.dirname(file), "report.png"), fullPage: true })
  }, 60_000)
})
