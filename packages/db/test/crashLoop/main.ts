/**
 * `pnpm test:crash [--iterations 200] [--strategy classic ...] [--seed 1] [--writers 16]
 *                  [--chain 5] [--lost-page-cache-every 2] [--max-acks 800] [--json out.json] [--quiet]`
 *
 * Runs the crash loop (driver.ts) and prints per strategy `iterations, acknowledged,
 * lost, torn batches` (and the kill moments reached), then the same as JSON. Exits 1
 * when anything was lost or torn.
 */
import * as fs from "node:fs"
import { parseArgs } from "node:util"
import { STRATEGIES } from "@writepath/strategies"
import { runCrashLoop } from "./driver.ts"

const { values } = parseArgs({
  options: {
    iterations: { type: "string", default: "20" },
    strategy: { type: "string", multiple: true },
    seed: { type: "string", default: "1" },
    writers: { type: "string", default: "16" },
    chain: { type: "string", default: "5" },
    "lost-page-cache-every": { type: "string", default: "2" },
    "max-acks": { type: "string", default: "800" },
    json: { type: "string" },
    quiet: { type: "boolean", default: false },
  },
  strict: true,
})

const int = (name: string, v: string, min: number): number => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be an integer >= ${min}, got ${v}`)
    process.exit(2)
  }
  return n
}
const strategies = values.strategy ?? [...STRATEGIES]
for (const s of strategies) {
  if (!(STRATEGIES as ReadonlyArray<string>).includes(s)) {
    console.error(`--strategy ${s}: not one of ${STRATEGIES.join(", ")}`)
    process.exit(2)
  }
}

const started = Date.now()
const figures = await runCrashLoop({
  strategies,
  iterations: int("iterations", values.iterations, 1),
  seed: int("seed", values.seed, 0),
  writers: int("writers", values.writers, 1),
  chain: int("chain", values.chain, 1),
  lostPageCacheEvery: int("lost-page-cache-every", values["lost-page-cache-every"], 0),
  maxAcksBeforeKill: int("max-acks", values["max-acks"], 1),
  ...(values.quiet ? {} : { log: (l: string) => console.error(l) }),
})
const seconds = Math.round((Date.now() - started) / 1000)

const header = [
  "strategy",
  "iterations",
  "acknowledged",
  "sync acked",
  "lost",
  "torn batches",
  "phantom",
  "prepared recovered",
  "mid-fsync",
  "mid-switch",
  "lost page cache",
]
const rows = figures.map((f) => [
  f.strategy,
  f.iterations,
  f.acknowledged,
  f.syncAcknowledged,
  f.lost,
  f.tornBatches,
  f.phantomValues,
  f.preparedRecovered,
  f.killsMidFsync,
  f.killsMidSwitch,
  f.lostPageCacheIterations,
])
console.log(`| ${header.join(" | ")} |`)
console.log(`|${header.map(() => "---").join("|")}|`)
for (const r of rows) console.log(`| ${r.join(" | ")} |`)
for (const f of figures) for (const x of f.failures) console.log(`FAIL ${f.strategy} ${x}`)
const report = { seed: Number(values.seed), seconds, node: process.version, figures }
console.log(JSON.stringify(report))
if (values.json !== undefined) fs.writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`)
process.exit(figures.some((f) => f.lost > 0 || f.tornBatches > 0 || f.phantomValues > 0 || f.failures.length > 0) ? 1 : 0)
