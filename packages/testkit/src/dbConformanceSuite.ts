/**
 * The engine conformance suite: one set of behaviours every write strategy must
 * show, run by @writepath/db's tests once per strategy (Effect's
 * `SqlPersistedQueueTest` pattern: a function of the implementation).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import type { DbUnderTest, OpenDbUnderTest } from "./DbUnderTest.ts"
import { ReferenceModel } from "./ReferenceModel.ts"

const dec = new TextDecoder()
const str = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : dec.decode(b))

const collect = async (it: AsyncIterable<[Uint8Array, Uint8Array]>): Promise<Array<[string, string]>> => {
  const out: Array<[string, string]> = []
  for await (const [k, v] of it) out.push([dec.decode(k), dec.decode(v)])
  return out
}

export interface DbConformanceOptions {
  /** Extra engine options merged into every open (the strategy itself is chosen by `open`). */
  readonly engineOptions?: Record<string, unknown>
}

export const dbConformanceSuite = (name: string, open: OpenDbUnderTest, suiteOptions: DbConformanceOptions = {}): void => {
  describe(`engine conformance: ${name}`, () => {
    const dirs: string[] = []
    const opened: DbUnderTest[] = []
    const fresh = (): string => {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), `writepath-conf-${name}-`))
      dirs.push(d)
      return d
    }
    const openAt = async (p: string, extra: Record<string, unknown> = {}): Promise<DbUnderTest> => {
      const db = await open({ path: p, ...suiteOptions.engineOptions, ...extra })
      opened.push(db)
      return db
    }
    afterEach(async () => {
      for (const db of opened.splice(0)) await db.close().catch(() => undefined)
      for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
    })

    it("put, get, delete, overwrite; strings and bytes", async () => {
      const db = await openAt(fresh())
      await db.put("a", "1")
      await db.put(Uint8Array.of(0, 255), Uint8Array.of(1, 2, 3))
      expect(str(await db.get("a"))).toBe("1")
      expect(await db.get(Uint8Array.of(0, 255))).toEqual(Uint8Array.of(1, 2, 3))
      await db.put("a", "2")
      expect(str(await db.get("a"))).toBe("2")
      await db.delete("a")
      expect(await db.get("a")).toBeUndefined()
      expect(await db.get("never")).toBeUndefined()
    })

    it("a batch is applied all at once, in order", async () => {
      const db = await openAt(fresh())
      await db.put("x", "old")
      await db.write(db.batch().put("x", "1").put("y", "2").delete("x").put("z", "3"))
      expect([str(await db.get("x")), str(await db.get("y")), str(await db.get("z"))]).toEqual([undefined, "2", "3"])
    })

    it("deleteRange removes [start, end) only", async () => {
      const db = await openAt(fresh())
      for (const k of ["a", "b", "c", "d"]) await db.put(k, k)
      await db.deleteRange("b", "d")
      expect(await collect(db.iterator())).toEqual([
        ["a", "a"],
        ["d", "d"],
      ])
      await db.put("c", "again")
      expect(str(await db.get("c"))).toBe("again")
    })

    it("snapshots are immutable; release works", async () => {
      const db = await openAt(fresh())
      await db.put("k", "v1")
      const snap = db.snapshot()
      await db.put("k", "v2")
      await db.put("new", "n")
      await db.delete("k")
      expect(str(await db.get("k", { snapshot: snap }))).toBe("v1")
      expect(await db.get("new", { snapshot: snap })).toBeUndefined()
      expect(await collect(db.iterator({ snapshot: snap }))).toEqual([["k", "v1"]])
      expect(await db.get("k")).toBeUndefined()
      snap.release()
    })

    it("iterators honour gt/gte/lt/lte and reverse", async () => {
      const db = await openAt(fresh())
      for (const k of ["a", "b", "c", "d", "e"]) await db.put(k, k.toUpperCase())
      const keys = async (o: Parameters<DbUnderTest["iterator"]>[0]) => (await collect(db.iterator(o))).map(([k]) => k)
      expect(await keys({})).toEqual(["a", "b", "c", "d", "e"])
      expect(await keys({ gte: "b", lt: "d" })).toEqual(["b", "c"])
      expect(await keys({ gt: "b", lte: "d" })).toEqual(["c", "d"])
      expect(await keys({ reverse: true })).toEqual(["e", "d", "c", "b", "a"])
      expect(await keys({ gt: "a", lt: "e", reverse: true })).toEqual(["d", "c", "b"])
      expect(await keys({ gte: "z" })).toEqual([])
    })

    it("an iterator sees the state at its creation", async () => {
      const db = await openAt(fresh())
      await db.put("a", "1")
      await db.put("b", "2")
      const it = db.iterator()[Symbol.asyncIterator]()
      const first = await it.next()
      await db.put("c", "3")
      await db.delete("b")
      const rest: string[] = []
      for (let r = await it.next(); !r.done; r = await it.next()) rest.push(dec.decode(r.value[0]))
      expect(first.value && dec.decode(first.value[0])).toBe("a")
      expect(rest).toEqual(["b"])
    })

    it("64 concurrent writers, sync and non-sync mixed: every write acknowledged and visible", async () => {
      const db = await openAt(fresh())
      await Promise.all(Array.from({ length: 64 }, (_, i) => db.put(`k${String(i).padStart(3, "0")}`, `v${i}`, { sync: i % 3 === 0 })))
      const all = await collect(db.iterator())
      expect(all.length).toBe(64)
      expect(all[10]).toEqual(["k010", "v10"])
      const s = db.stats()
      expect(s.lastSequence).toBe(64)
      expect(s.groups).toBeGreaterThan(0)
      expect(s.groups).toBeLessThanOrEqual(64)
    })

    it("recovers every write after close and reopen; sequences continue", async () => {
      const p = fresh()
      const model = new ReferenceModel()
      let db = await openAt(p)
      for (let i = 0; i < 200; i++) {
        const k = `key${i % 37}`
        if (i % 7 === 3) {
          await db.delete(k, { sync: i % 2 === 0 })
          model.apply([{ op: "delete", key: k }])
        } else {
          await db.put(k, `v${i}`, { sync: i % 2 === 0 })
          model.apply([{ op: "put", key: k, value: `v${i}` }])
        }
      }
      await db.write(db.batch().put("b1", "x").deleteRange("key1", "key2"))
      model.apply([
        { op: "put", key: "b1", value: "x" },
        { op: "deleteRange", start: "key1", end: "key2" },
      ])
      const before = db.stats().lastSequence
      expect(before).toBe(model.lastSequence)
      await db.close()
      db = await openAt(p)
      expect(db.stats().lastSequence).toBe(before)
      expect(await collect(db.iterator())).toEqual(model.entries())
      await db.put("after", "reopen")
      expect(db.stats().lastSequence).toBe(before + 1)
      await db.close()
      db = await openAt(p)
      expect(str(await db.get("after"))).toBe("reopen")
    })

    it("disableWAL writes are visible but not in the WAL; sync with disableWAL is rejected", async () => {
      const db = await openAt(fresh())
      await db.put("nowal", "1", { disableWAL: true })
      expect(str(await db.get("nowal"))).toBe("1")
      await expect(db.put("bad", "1", { sync: true, disableWAL: true })).rejects.toThrow("Sync writes has to enable WAL.")
      expect(await db.get("bad")).toBeUndefined()
    })

    it("memtables switch when full; immutables stay readable; at maxWriteBufferNumber writes stop and noSlowdown fails fast", async () => {
      const db = await openAt(fresh(), { writeBufferSize: 64 * 1024, maxWriteBufferNumber: 2 })
      const value = "v".repeat(1000)
      let n = 0
      let stalled: unknown
      // Fill until the controller stops writes: noSlowdown turns the stop into an immediate WriteStall.
      while (n < 10_000) {
        try {
          await db.put(`k${n}`, value, { noSlowdown: true })
          n++
        } catch (e) {
          stalled = e
          break
        }
      }
      expect(stalled).toMatchObject({ _tag: "WriteStall" })
      expect(n).toBeGreaterThan(64) // at least one full 64 KiB memtable went immutable first
      expect(str(await db.get("k0"))).toBe(value) // in an immutable memtable
      expect(str(await db.get(`k${n - 1}`))).toBe(value)
      expect(db.stats().stalls).toBeGreaterThan(0)
    })

    it("bad input: wrong key types and unknown write options are typed errors, nothing written", async () => {
      const db = await openAt(fresh())
      await expect(db.put(42 as unknown as string, "v")).rejects.toMatchObject({ _tag: "InvalidArgument" })
      await expect(db.put("k", "v", { fsync: true } as never)).rejects.toMatchObject({ _tag: "InvalidOptions" })
      expect(db.stats().lastSequence).toBe(0)
    })

    it("closed database rejects operations", async () => {
      const db = await openAt(fresh())
      await db.close()
      await expect(db.put("a", "b")).rejects.toMatchObject({ _tag: "DbClosed" })
      await expect(db.get("a")).rejects.toMatchObject({ _tag: "DbClosed" })
    })

    it("a second open of the same folder is DatabaseLocked", async () => {
      const p = fresh()
      await openAt(p)
      await expect(openAt(p)).rejects.toMatchObject({ _tag: "DatabaseLocked" })
    })

    it("2PC: prepared transactions survive close, are listed, and can be committed or rolled back", async () => {
      const p = fresh()
      let db = await openAt(p)
      const t1 = db.beginTransaction({ name: "t1" })
      t1.put("t1-key", "t1-value")
      await t1.prepare()
      const t2 = db.beginTransaction({ name: "t2" })
      t2.put("t2-key", "t2-value")
      await t2.prepare()
      const t3 = db.beginTransaction({ name: "t3" })
      t3.put("t3-key", "t3-value")
      await t3.prepare()
      await t3.commit()
      expect(str(await db.get("t3-key"))).toBe("t3-value")
      expect(await db.get("t1-key")).toBeUndefined() // prepared is not visible
      await db.close()
      db = await openAt(p)
      const prepared = db.getPreparedTransactions()
      expect(prepared.map((t) => t.name).sort()).toEqual(["t1", "t2"])
      await prepared.find((t) => t.name === "t1")!.commit()
      await prepared.find((t) => t.name === "t2")!.rollback()
      expect(str(await db.get("t1-key"))).toBe("t1-value")
      expect(await db.get("t2-key")).toBeUndefined()
      expect(str(await db.get("t3-key"))).toBe("t3-value")
      await db.close()
      db = await openAt(p)
      expect(db.getPreparedTransactions()).toEqual([])
      expect(str(await db.get("t1-key"))).toBe("t1-value")
      expect(await db.get("t2-key")).toBeUndefined()
    })
  })
}
