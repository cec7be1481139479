/**
 * `db.resume()` (RocksDB's `DB::Resume`), for every strategy. A flush that fails writing its
 * table (ENOSPC on write, EIO on fsync) leaves the database read-only; resume refuses while
 * the cause persists, then, once it is gone, re-runs the flush and accepts writes again, with
 * every acknowledged write readable now and after a reopen. A MANIFEST failure and a failed
 * WAL sync are fatal until reopen: resume refuses them, and the failed group's entries are
 * never visible and never reach a table.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { STRATEGIES } from "@writepath/strategies"
import { FaultInjector, makeFaultyLogFile } from "@writepath/testkit"
import { makeNode } from "@writepath/wal"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { type Database, Db, open } from "../src/index.ts"
import { type FsFaults, fsFaults } from "./support/fsFaults.ts"

const dirs: string[] = []
let faults: FsFaults | undefined
afterEach(() => {
  faults?.restore()
  faults = undefined
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
const fresh = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-resume-"))
  dirs.push(d)
  return d
}
const td = new TextDecoder()
const extra = (strategy: string) => (strategy === "concurrent-memtable" ? { concurrentMemtableWorkers: 1 } : {})

/** Writes until one fails (the memtable fills, its flush meets the fault); returns the acknowledged keys and the error. */
const writeUntilReadOnly = async (db: Database, prefix: string): Promise<{ acked: string[]; error: unknown }> => {
  const acked: string[] = []
  for (let i = 0; i < 5000; i++) {
    try {
      await db.put(`${prefix}${i}`, "x".repeat(200), { sync: i % 50 === 0 })
      acked.push(`${prefix}${i}`)
    } catch (error) {
      return { acked, error }
    }
  }
  throw new Error("the flush never failed")
}

const tablesIn = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith(".ldb"))

describe.each(STRATEGIES)("%s: resume after a retryable background error", (strategy) => {
  it.each([
    ["ENOSPC writing the table", "write"],
    ["EIO on the table's fsync", "fsync"],
  ] as const)("%s: read-only, resume refused while the cause persists, then writes again; nothing acknowledged lost", async (_what, op) => {
    const dir = fresh()
    const options = { path: dir, strategy, writeBufferSize: 64 * 1024, ...extra(strategy) }
    faults = fsFaults(/\.ldb$/)
    const db = await open(options)
    await db.put("pre", "v", { sync: true })
    faults.arm(op)
    const { acked, error } = await writeUntilReadOnly(db, "a")
    expect(error).toMatchObject({ _tag: "ReadOnlyError" })
    expect(String((error as { cause?: { message?: string } }).cause?.message)).toContain(op === "write" ? "ENOSPC" : "EIO")
    await expect(db.put("blocked", "v")).rejects.toMatchObject({ _tag: "ReadOnlyError" })

    // The cause persists: resume re-runs the flush, which fails again; still read-only.
    const failuresBefore = faults.failures()
    await expect(db.resume()).rejects.toMatchObject({ _tag: "ReadOnlyError" })
    expect(faults.failures()).toBeGreaterThan(failuresBefore)
    await expect(db.put("blocked", "v")).rejects.toMatchObject({ _tag: "ReadOnlyError" })

    // The cause is gone: resume flushes and writes are accepted again.
    faults.disarm()
    await db.resume()
    expect(db.stats().immutableMemtables).toBe(0)
    await db.put("after", "resume", { sync: true })
    for (const k of acked) expect(await db.get(k)).toBeDefined()
    expect(await db.get("blocked")).toBeUndefined()
    await db.flush()
    await db.resume() // nothing to resume: resolves
    await db.close()

    const again = await open(options)
    for (const k of acked) expect(await again.get(k)).toBeDefined()
    expect(td.decode((await again.get("after"))!)).toBe("resume")
    await again.close()
  })
})

describe.each(STRATEGIES)("%s: resume refuses fatal errors", (strategy) => {
  it("a MANIFEST failure: resume refused even once the cause is gone; a reopen recovers everything acknowledged", async () => {
    const dir = fresh()
    const options = { path: dir, strategy, writeBufferSize: 64 * 1024, ...extra(strategy) }
    faults = fsFaults(/MANIFEST-\d+$/)
    const db = await open(options)
    faults.arm("fsync")
    const { acked, error } = await writeUntilReadOnly(db, "a")
    expect(error).toMatchObject({ _tag: "ReadOnlyError" })
    faults.disarm()
    await expect(db.resume()).rejects.toMatchObject({ _tag: "ReadOnlyError" })
    await expect(db.put("after", "v")).rejects.toMatchObject({ _tag: "ReadOnlyError" })
    await db.close()
    faults.restore()
    faults = undefined
    const again = await open(options)
    for (const k of acked) expect(await again.get(k)).toBeDefined()
    await again.close()
  })

  it("a failed WAL sync: resume refused; the failed group's entries never visible and never flushed (Effect: Db.resume)", async () => {
    const dir = fresh()
    const wal = new FaultInjector().inject({ op: "datasync", after: 1 })
    const db = await open(
      { path: dir, strategy, writeBufferSize: 64 * 1024, ...extra(strategy) },
      { logFile: makeFaultyLogFile(makeNode({ syncOn: "threadpool" }), wal) },
    )
    await db.put("acked", "1", { sync: true })
    await expect(db.put("failed", "2", { sync: true })).rejects.toMatchObject({ _tag: "IOError" })
    const exit = await Effect.runPromiseExit(Effect.provideService(Db.resume, Db, db))
    expect(exit._tag).toBe("Failure")
    expect(JSON.stringify(exit)).toContain("ReadOnlyError")
    expect(await db.get("failed")).toBeUndefined()
    await expect(db.flush()).rejects.toMatchObject({ _tag: "ReadOnlyError" })
    await expect(db.compactRange()).rejects.toMatchObject({ _tag: "ReadOnlyError" })
    await db.close()
    // Close flushed nothing: the memtable that may hold the failed group never became a table.
    expect(tablesIn(dir)).toEqual([])
  })
})
