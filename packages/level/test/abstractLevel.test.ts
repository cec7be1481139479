/**
 * Runs abstract-level's own test suite (abstractLevelSuite.ts, with tape, in a child Node
 * process as the level projects run it) against WritepathLevel once per write strategy, and
 * requires tape's summary to report no failure. A failing run shows tape's failing lines.
 * concurrent-memtable runs the suite's shared-database modules only (see abstractLevelSuite.ts:
 * its opens start worker threads, and the whole suite opens ~700 databases).
 */
import { spawn } from "node:child_process"
import * as path from "node:path"
import { STRATEGIES } from "@writepath/strategies"
import { describe, expect, it } from "vitest"

const suite = path.join(import.meta.dirname, "abstractLevelSuite.ts")

const runSuite = (strategy: string, part: readonly string[]): Promise<{ code: number | null; out: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", suite, strategy, ...part], { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString()
    })
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString()
    })
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, out }))
  })

/** Assertions of the shared-database modules (WRITE_MODULES) in abstract-level 3.1. */
const MIN_WRITES = 344

/** tape's failing assertions, each with the test it belongs to. */
const failures = (tap: string): string[] => {
  const out: string[] = []
  let test = ""
  for (const line of tap.split("\n")) {
    if (line.startsWith("# ")) test = line.slice(2)
    else if (line.startsWith("not ok")) out.push(`${test}: ${line}`)
  }
  return out
}

describe.each(STRATEGIES)("abstract-level's test suite, strategy %s", (strategy) => {
  const writesOnly = strategy === "concurrent-memtable"
  it(writesOnly ? "passes (shared-database modules)" : "passes", async () => {
    const { code, out } = await runSuite(strategy, writesOnly ? ["writes"] : [])
    expect(failures(out)).toEqual([])
    const pass = /^# pass\s+(\d+)$/m.exec(out)
    // Every assertion ran: the whole suite has 4670, its shared-database modules MIN_WRITES.
    expect(Number(pass?.[1] ?? 0)).toBeGreaterThanOrEqual(writesOnly ? MIN_WRITES : 4670)
    expect(out).toMatch(/^# ok$/m)
    expect(code).toBe(0)
  })
})
