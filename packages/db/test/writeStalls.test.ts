/**
 * Write stalls through the public API, for every strategy: a level-0 stop holds writes
 * (and prepares, on whichever queue they use) until a compaction releases it, noSlowdown
 * writes fail at once while a stop or a timed delay is in force, the delayed-write rate
 * holds for 64 concurrent writers (bytes admitted vs the clock: an upper bound, which a
 * loaded machine only makes easier to meet), and lowPri writes are throttled while
 * compaction is behind. Ordering by latches and event-loop turns, never by sleeps.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { STRATEGIES, type StrategyName } from "@writepath/strategies"
import { afterEach, describe, expect, it } from "vitest"
import { type Database, open } from "../src/index.ts"

const dirs: string[] = []
const dbs: Database[] = []
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.close()
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
const fresh = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-stalls-"))
  dirs.push(d)
  return d
}
const td = new TextDecoder()
const turn = (): Promise<void> => new Promise((r) => setImmediate(r))

/** Settled state of a promise, observed without waiting for it. */
const watch = <A>(p: Promise<A>): { readonly settled: () => boolean; readonly promise: Promise<A> } => {
  let settled = false
  const promise = p.finally(() => {
    settled = true
  })
  promise.catch(() => undefined)
  return { settled: () => settled, promise }
}

const openWith = async (name: StrategyName, extra: object): Promise<Database> => {
  const db = await open({ path: fresh(), strategy: name, writeBufferSize: 64 * 1024, disableAutoCompactions: true, ...extra })
  dbs.push(db)
  return db
}

/** Three flushed level-0 files: with level0StopWritesTrigger 3, writes stop. */
const threeLevel0Files = async (db: Database): Promise<void> => {
  for (let f = 0; f < 3; f++) {
    await db.put(`f${f}`, "v")
    await db.flush()
  }
  expect(db.stats().levelFiles[0]).toBe(3)
}

const stopOptions = { level0FileNumCompactionTrigger: 2, level0SlowdownWritesTrigger: 3, level0StopWritesTrigger: 3 }

describe.each(STRATEGIES)("%s: write stalls", (name) => {
  it.each(["the put", "the prepares"])(
    "a level-0 stop holds a put and two prepares (%s first, each queue's own barrier); noSlowdown fails at once; compactRange releases all",
    async (first) => {
      const db = await openWith(name, stopOptions)
      await threeLevel0Files(db)
      await expect(db.put("fast", "v", { noSlowdown: true })).rejects.toMatchObject({ _tag: "WriteStall" })
      const t1 = db.beginTransaction({ name: "t1" })
      t1.put("p1", "one")
      const t2 = db.beginTransaction({ name: "t2" })
      t2.put("p2", "two")
      const stalled = async <A>(start: () => Promise<A>): Promise<{ readonly settled: () => boolean; readonly promise: Promise<A> }> => {
        const before = db.stats().stalls
        const w = watch(start())
        // On the two-queue strategy prepares lead the second queue and meet the stop there;
        // elsewhere they queue behind the stalled main-queue leader (no new stall).
        for (let i = 0; i < 50 && db.stats().stalls === before; i++) await turn()
        return w
      }
      const writes: Array<{ readonly settled: () => boolean; readonly promise: Promise<unknown> }> = []
      if (first === "the put") writes.push(await stalled(() => db.put("waits", "for compaction")))
      writes.push(await stalled(() => t1.prepare()), watch(t2.prepare()))
      if (first === "the prepares") writes.push(await stalled(() => db.put("waits", "for compaction")))
      for (let i = 0; i < 20; i++) await turn()
      // While stopped, a noSlowdown write is turned away by the barrier at once.
      await expect(db.put("fast2", "v", { noSlowdown: true })).rejects.toMatchObject({ _tag: "WriteStall" })
      expect(writes.some((w) => w.settled())).toBe(false)
      await db.compactRange()
      for (const w of writes) await w.promise
      await t1.commit()
      await t2.commit()
      expect(td.decode((await db.get("waits"))!)).toBe("for compaction")
      expect(td.decode((await db.get("p1"))!)).toBe("one")
      expect(td.decode((await db.get("p2"))!)).toBe("two")
      expect(await db.get("fast2")).toBeUndefined()
    },
  )

  it("close while writers are stopped: every write settles and close returns", async () => {
    const db = await openWith(name, stopOptions)
    await threeLevel0Files(db)
    const stallsBefore = db.stats().stalls
    const put = watch(db.put("waits", "v"))
    while (db.stats().stalls === stallsBefore) await turn()
    const t1 = db.beginTransaction({ name: "t1" })
    t1.put("p1", "one")
    const prepare = watch(t1.prepare())
    dbs.splice(dbs.indexOf(db), 1)
    await db.close()
    await expect(put.promise).rejects.toMatchObject({ _tag: "DbClosed" })
    await prepare.promise.catch(() => undefined)
    expect(prepare.settled()).toBe(true)
  })

  it("a noSlowdown write behind a delayed leader fails with WriteStall at once, before the leader's delay ends", async () => {
    // Level 0 at the slowdown trigger: a delay token at 16 kB/s. The leader charges the
    // previous group (a 32 kB batch): about 2 s of delay, which close cuts short.
    const db = await openWith(name, {
      level0FileNumCompactionTrigger: 2,
      level0SlowdownWritesTrigger: 2,
      level0StopWritesTrigger: 10,
      delayedWriteRate: 16 * 1024,
    })
    await db.put("f0", "v")
    await db.flush()
    await db.put("f1", "v")
    await db.flush()
    expect(db.stats().levelFiles[0]).toBe(2)
    await db.put("big", "x".repeat(32 * 1024)) // the group whose bytes the next leader is charged
    const stallsBefore = db.stats().stalls
    const slow = watch(db.put("slow", "v"))
    while (db.stats().stalls === stallsBefore) await turn()
    await expect(db.put("fast", "v", { noSlowdown: true })).rejects.toMatchObject({ _tag: "WriteStall" })
    expect(slow.settled()).toBe(false)
    dbs.splice(dbs.indexOf(db), 1)
    await db.close()
    await slow.promise.catch(() => undefined)
  })

  it("the delayed-write rate holds for 64 concurrent writers (bytes admitted <= rate x elapsed + one group)", async () => {
    const rate = 256 * 1024
    const db = await openWith(name, {
      level0FileNumCompactionTrigger: 2,
      level0SlowdownWritesTrigger: 2,
      level0StopWritesTrigger: 10,
      delayedWriteRate: rate,
    })
    await db.put("f0", "v")
    await db.flush()
    await db.put("f1", "v")
    await db.flush()
    const value = "x".repeat(1000)
    const perWriter = 6
    let admitted = 0
    const t0 = performance.now()
    let tFirst = 0
    await Promise.all(
      Array.from({ length: 64 }, async (_, w) => {
        for (let i = 0; i < perWriter; i++) {
          const b = db.batch().put(`w${w}-${i}`, value)
          await db.write(b)
          if (admitted === 0) tFirst = performance.now()
          admitted += b.byteSize
        }
      }),
    )
    const elapsed = (performance.now() - t0) / 1000
    expect(admitted).toBeGreaterThan(64 * perWriter * 1000)
    // The first group is charged for the (small) group before the delay; every later group
    // for its predecessor: what was admitted after the first group fits the rate, plus one
    // group of at most 64 writes and one refill.
    const bound = rate * elapsed + 64 * 1100 + rate / 1000
    expect(admitted).toBeLessThanOrEqual(bound)
    expect(tFirst).toBeGreaterThan(0)
  })
})

describe.each(STRATEGIES)("%s: lowPri", (name) => {
  it("while compaction is behind, lowPri writes are throttled (noSlowdown: 'Low priority write stall'); normal writes are not; afterwards neither", async () => {
    // Compaction pressure (automatic compactions on) at min(2·1, 1 + (20 − 1)/4) = 2 level-0 files.
    const db = await open({
      path: fresh(),
      strategy: name,
      writeBufferSize: 64 * 1024,
      level0FileNumCompactionTrigger: 1,
      level0SlowdownWritesTrigger: 20,
      level0StopWritesTrigger: 30,
    })
    dbs.push(db)
    // Hold compactions back until level 0 has two files: a manual job runs first on the
    // compaction loop, and this one waits on a latch.
    const impl = (db as unknown as { impl: { background: { runManual(job: () => Promise<void>): Promise<void> } } }).impl
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    const blocker = impl.background.runManual(() => gate)
    await db.put("f0", "v")
    await db.flush()
    await db.put("f1", "v")
    await db.flush()
    expect(db.stats().levelFiles[0]).toBe(2)
    await expect(db.put("lp", "v", { lowPri: true, noSlowdown: true })).rejects.toMatchObject({
      _tag: "WriteStall",
      reason: "Low priority write stall",
    })
    await db.put("normal", "v", { noSlowdown: true })
    // 256 kB of lowPri writes at 1 MiB/s take at least 0.25 s minus one write (measured:
    // a lower bound, which load only lengthens).
    const value = "y".repeat(16 * 1024)
    const t0 = performance.now()
    let bytes = 0
    await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const b = db.batch().put(`lp${i}`, value)
        await db.write(b, { lowPri: true })
        bytes += b.byteSize - 12
      }),
    )
    const elapsed = (performance.now() - t0) / 1000
    expect(elapsed).toBeGreaterThanOrEqual((bytes - (16 * 1024 + 64)) / (1024 * 1024) - 0.002)
    release()
    await blocker
    await db.compactRange()
    expect(db.stats().levelFiles[0]).toBe(0)
    await db.put("lp-after", "v", { lowPri: true, noSlowdown: true })
    expect(td.decode((await db.get("lp-after"))!)).toBe("v")
  })
})
