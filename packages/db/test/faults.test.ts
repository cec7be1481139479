import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { STRATEGIES } from "@writepath/strategies"
import { FaultInjector, type FaultRule, makeFaultyFsyncDir, makeFaultyLogFile } from "@writepath/testkit"
import { makeNode } from "@writepath/wal"
import { afterEach, describe, expect, it } from "vitest"
import { open } from "../src/index.ts"

const dirs: string[] = []
const fresh = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-faults-"))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
const str = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b))
const extra = (strategy: string) => (strategy === "concurrent-memtable" ? { concurrentMemtableWorkers: 1 } : {})

describe.each(STRATEGIES)("fault injection through the LogFile layer: %s", (strategy) => {
  it("EIO on fdatasync: the write fails, the engine turns read-only, reads work, the sync is never retried, nothing acknowledged is lost", async () => {
    const p = fresh()
    const faults = new FaultInjector().inject({ op: "datasync", after: 1 })
    const db = await open(
      { path: p, strategy, ...extra(strategy) },
      { logFile: makeFaultyLogFile(makeNode({ syncOn: "threadpool" }), faults) },
    )
    await db.put("acked", "1", { sync: true })
    await expect(db.put("failed", "2", { sync: true })).rejects.toMatchObject({ _tag: "IOError", code: "EIO" })
    await expect(db.put("later", "3")).rejects.toMatchObject({ _tag: "ReadOnlyError" })
    await expect(db.put("later", "3", { sync: true })).rejects.toThrow("read-only after an earlier write failure: ")
    expect(str(await db.get("acked"))).toBe("1")
    expect(await db.get("failed")).toBeUndefined() // never published
    expect(faults.fired).toHaveLength(1)
    expect(faults.calls.datasync).toBe(2) // the failed sync was not retried
    await db.close()
    const again = await open({ path: p, strategy, ...extra(strategy) })
    expect(str(await again.get("acked"))).toBe("1")
    expect(await again.get("later")).toBeUndefined()
    await again.put("after-reopen", "ok", { sync: true })
    expect(str(await again.get("after-reopen"))).toBe("ok")
    await again.close()
  })

  it("ENOSPC on a WAL append: the group fails, later writes are refused, reads keep working", async () => {
    const p = fresh()
    const faults = new FaultInjector().inject({ op: "append", code: "ENOSPC", after: 2, partialBytes: 5 })
    const db = await open({ path: p, strategy, ...extra(strategy) }, { logFile: makeFaultyLogFile(makeNode(), faults) })
    await db.put("a", "1")
    await db.put("b", "2")
    const results = await Promise.allSettled([db.put("c", "3"), db.put("d", "4"), db.put("e", "5")])
    expect(results[0]).toMatchObject({ status: "rejected", reason: { _tag: "IOError", code: "ENOSPC" } })
    for (const r of results.slice(1)) expect(r.status).toBe("rejected")
    expect([str(await db.get("a")), str(await db.get("b")), await db.get("c")]).toEqual(["1", "2", undefined])
    await db.close()
    // The short write left a torn tail: point-in-time recovery keeps the acknowledged prefix.
    const again = await open({ path: p, strategy, ...extra(strategy) })
    expect([str(await again.get("a")), str(await again.get("b")), await again.get("c")]).toEqual(["1", "2", undefined])
    await again.close()
  })

  it("EIO creating the next WAL at a memtable switch: the write fails and the engine turns read-only", async () => {
    const p = fresh()
    const faults = new FaultInjector().inject({ op: "openWritable", after: 1 })
    const db = await open(
      { path: p, strategy, writeBufferSize: 64 * 1024, ...extra(strategy) },
      { logFile: makeFaultyLogFile(makeNode(), faults) },
    )
    const value = "x".repeat(1000)
    let acked = 0
    let failure: unknown
    for (let i = 0; i < 500 && failure === undefined; i++) {
      try {
        await db.put(`k${i}`, value)
        acked++
      } catch (e) {
        failure = e
      }
    }
    expect(failure).toMatchObject({ _tag: "IOError" })
    expect(acked).toBeGreaterThan(10)
    await expect(db.put("z", "z")).rejects.toMatchObject({ _tag: "ReadOnlyError" })
    expect(str(await db.get("k0"))).toBe(value)
    await db.close()
    const again = await open({ path: p, strategy, writeBufferSize: 64 * 1024, ...extra(strategy) })
    for (let i = 0; i < acked; i++) expect(str(await again.get(`k${i}`))).toBe(value)
    await again.close()
  })
})

// ---- The fault matrix (issue 8) ------------------------------------------------------------------
// One scenario for every fault, per strategy: 16 concurrent writers on 64 KiB memtables
// (so WALs get created by switches) until the injected fault fails a group.

const nodeFsyncDir = (dir: string): void => {
  const fd = fs.openSync(dir, "r")
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

interface MatrixCase {
  readonly name: string
  readonly rule: FaultRule
  /** Every write syncs (faults on the sync path); otherwise sync and non-sync mixed. */
  readonly allSync?: boolean
  readonly useFsync?: boolean
}

const MATRIX: ReadonlyArray<MatrixCase> = [
  { name: "EIO on WAL append", rule: { op: "append", code: "EIO", after: 40 } },
  { name: "ENOSPC on WAL append", rule: { op: "append", code: "ENOSPC", after: 40 } },
  { name: "short write, then EIO", rule: { op: "append", code: "EIO", after: 40, partialBytes: 7 } },
  { name: "short write, then ENOSPC", rule: { op: "append", code: "ENOSPC", after: 40, partialBytes: 300 } },
  { name: "EIO on fdatasync", rule: { op: "datasync", code: "EIO", after: 5 }, allSync: true },
  { name: "ENOSPC on fdatasync", rule: { op: "datasync", code: "ENOSPC", after: 5 }, allSync: true },
  { name: "EIO on fsync (useFsync)", rule: { op: "fsync", code: "EIO", after: 5 }, allSync: true, useFsync: true },
  { name: "EIO creating the next WAL at a memtable switch", rule: { op: "openWritable", code: "EIO" } },
  { name: "ENOSPC creating the next WAL at a memtable switch", rule: { op: "openWritable", code: "ENOSPC" } },
  { name: "EIO on the folder sync after creating the next WAL", rule: { op: "fsyncDir", code: "EIO" } },
]

type Outcome = { readonly key: string; readonly value: string } & (
  | { readonly ok: true }
  | { readonly ok: false; readonly error: { _tag?: string; code?: string; cause?: unknown; message: string } }
)

describe.each(STRATEGIES)("fault matrix: %s", (strategy) => {
  it.each(MATRIX)(
    "$name: the group fails with it, later writes are read-only, reads work, no retry, nothing acknowledged lost",
    async (c) => {
      const p = fresh()
      const code = c.rule.code ?? "EIO"
      const faults = new FaultInjector()
      const options = {
        path: p,
        strategy,
        writeBufferSize: 64 * 1024,
        maxWriteBufferNumber: 1000,
        useFsync: c.useFsync === true,
        ...extra(strategy),
      }
      const db = await open(options, {
        logFile: makeFaultyLogFile(makeNode({ syncOn: "threadpool" }), faults),
        fsyncDir: makeFaultyFsyncDir(nodeFsyncDir, faults),
      })
      const outcomes: Outcome[] = []
      for (let i = 0; i < 10; i++) {
        await db.put(`before${i}`, `v${i}`, { sync: true })
        outcomes.push({ key: `before${i}`, value: `v${i}`, ok: true })
      }
      faults.inject(c.rule)
      const writer = async (w: number): Promise<void> => {
        for (let n = 0; n < 2000; n++) {
          const key = `w${w}-${n}`
          const value = `${key}:${"x".repeat(500)}`
          try {
            if (n % 4 === 3) await db.write(db.batch().put(key, value).put(`${key}-b`, value), { sync: c.allSync === true || n % 2 === 0 })
            else await db.put(key, value, { sync: c.allSync === true || n % 2 === 0 })
            outcomes.push({ key, value, ok: true })
          } catch (e) {
            outcomes.push({ key, value, ok: false, error: e as never })
            return
          }
        }
      }
      await Promise.all(Array.from({ length: 16 }, (_, w) => writer(w)))
      expect(faults.fired).toEqual([expect.objectContaining({ op: c.rule.op, code })])
      const syncsAtFailure = faults.calls.datasync + faults.calls.fsync

      // The failing group got the IOError; everyone after it ReadOnlyError carrying that IOError.
      const failed = outcomes.filter((o) => !o.ok)
      expect(failed).toHaveLength(16)
      const ioErrors = failed.filter((o) => !o.ok && o.error._tag === "IOError")
      expect(ioErrors.length).toBeGreaterThanOrEqual(1)
      for (const o of failed) {
        if (o.ok) continue
        if (o.error._tag === "IOError") expect(o.error.code).toBe(code)
        else {
          expect(o.error._tag).toBe("ReadOnlyError")
          expect(o.error.cause).toMatchObject({ _tag: "IOError", code })
        }
      }
      // Later writes: a clear read-only error, whatever their kind.
      for (const later of [
        () => db.put("later", "x"),
        () => db.put("later", "x", { sync: true }),
        () => db.delete("before0"),
        () => db.write(db.batch().put("later", "x")),
        () => db.flushWal({ sync: true }),
      ]) {
        await expect(later()).rejects.toMatchObject({
          _tag: "ReadOnlyError",
          message: expect.stringContaining(`read-only after an earlier write failure: IO error: `),
        })
      }
      // Reads keep working: every acknowledged write is there, no failed one is visible.
      for (const o of outcomes) expect(str(await db.get(o.key))).toBe(o.ok ? o.value : undefined)
      const acked = outcomes.filter((o) => o.ok).length
      expect(acked).toBeGreaterThan(10)
      await db.close()
      // The failed sync was never retried, not by later writes, flushWal or close.
      expect(faults.calls.datasync + faults.calls.fsync).toBe(syncsAtFailure)

      // WRITEPATH_FAULT_REPORT=<file>: one JSON line per case, the figures the README quotes.
      const report = process.env.WRITEPATH_FAULT_REPORT
      if (report !== undefined && report !== "") {
        const line = {
          strategy,
          fault: c.name,
          acked,
          groupErrors: ioErrors.length,
          readOnly: failed.length - ioErrors.length,
          syncs: syncsAtFailure,
        }
        fs.appendFileSync(report, `${JSON.stringify(line)}\n`)
      }
      const again = await open(options)
      for (const o of outcomes) {
        const v = str(await again.get(o.key))
        if (o.ok) expect(v).toBe(o.value)
        else if (o.error._tag === "ReadOnlyError") expect(v).toBeUndefined()
        // The failing group's outcome is unknown (its record may be in the WAL): all of it or none.
        else expect([undefined, o.value]).toContain(v)
      }
      expect(await again.get("later")).toBeUndefined()
      const seq = again.stats().lastSequence
      await again.put("after-reopen", "ok", { sync: true })
      expect(again.stats().lastSequence).toBe(seq + 1)
      await again.close()
    },
  )

  it("EIO on the folder sync when creating the database: open fails with IOError, the LOCK is released", async () => {
    const p = fresh()
    const faults = new FaultInjector().inject({ op: "fsyncDir", code: "EIO" })
    await expect(
      open({ path: p, strategy, ...extra(strategy) }, { fsyncDir: makeFaultyFsyncDir(nodeFsyncDir, faults) }),
    ).rejects.toMatchObject({
      _tag: "IOError",
      code: "EIO",
    })
    const db = await open({ path: p, strategy, ...extra(strategy) })
    await db.put("k", "v", { sync: true })
    await db.close()
  })
})
