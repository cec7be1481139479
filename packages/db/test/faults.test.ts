import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { STRATEGIES } from "@writepath/strategies"
import { FaultInjector, makeFaultyLogFile } from "@writepath/testkit"
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
