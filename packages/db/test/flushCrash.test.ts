/**
 * Crash during flush: the writer SIGKILLs itself inside its first flush, (a) after the table
 * was written and fsynced but before its MANIFEST record, (b) after the MANIFEST record but
 * before the memtable left the read path and the obsolete WALs were deleted. Reopening must
 * lose no acknowledged write, return no malformed value, and clean up what the crash left behind.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { STRATEGIES } from "@writepath/strategies"
import { recoverVersionSet } from "@writepath/version"
import { afterEach, describe, expect, it } from "vitest"
import { open } from "../src/index.ts"
import { startChild } from "./support/child.ts"

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/flushCrashChild.ts")
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
const td = new TextDecoder()
const numbers = (dir: string, ext: string): number[] =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .map((f) => Number(f.slice(0, -ext.length)))

describe.each(STRATEGIES)("crash during flush with %s", (strategy) => {
  it.each(["before-manifest", "after-manifest"] as const)(
    "SIGKILL %s: every acknowledged write is back and the crash's leftovers are cleaned up",
    async (point) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-flushcrash-"))
      dirs.push(dir)
      const c = startChild(child, [dir, strategy, point])
      const code = await c.exited
      expect(code).toBeNull() // killed by its signal, not exited
      expect(c.proc.signalCode).toBe("SIGKILL")
      const acked = c.lines.filter((l) => l.startsWith("ack ")).map((l) => l.slice(4))
      expect(acked.length).toBeGreaterThan(100) // a memtable's worth was acknowledged before the flush

      const tablesOnDisk = numbers(dir, ".ldb")
      const manifest = recoverVersionSet(dir)
      const live = manifest.files.flat().map((f) => f.number)
      if (point === "before-manifest") {
        // The table reached the disk, the MANIFEST never named it.
        expect(tablesOnDisk.length).toBe(1)
        expect(live).toEqual([])
      } else {
        expect(live).toEqual(tablesOnDisk)
        // WALs the MANIFEST declares obsolete are still there: the crash came before their deletion.
        expect(numbers(dir, ".log").some((n) => n < manifest.logNumber)).toBe(true)
      }

      const db = await open({ path: dir, strategy, ...(strategy === "concurrent-memtable" ? { concurrentMemtableWorkers: 1 } : {}) })
      for (const k of acked) expect(td.decode((await db.get(k))!)).toBe(`${"v".repeat(200)}${k}`)
      // Table and replayed WAL agree: every key the iterator finds carries its own value.
      const seen = new Set<string>()
      for await (const [k, v] of db.iterator()) {
        const key = td.decode(k)
        seen.add(key)
        expect(td.decode(v)).toBe(`${"v".repeat(200)}${key}`)
      }
      expect(seen.size).toBeGreaterThanOrEqual(acked.length)
      // The open cleaned up: no table the MANIFEST does not list, no WAL below its log number.
      const after = recoverVersionSet(dir)
      expect(numbers(dir, ".ldb").sort()).toEqual(
        after.files
          .flat()
          .map((f) => f.number)
          .sort(),
      )
      expect(numbers(dir, ".log").every((n) => n >= after.logNumber)).toBe(true)
      await db.put("after", "crash", { sync: true })
      await db.flush()
      expect(td.decode((await db.get("after"))!)).toBe("crash")
      await db.close()
    },
  )
})
