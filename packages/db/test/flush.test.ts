/**
 * Flush through the engine: memtables become level-0 tables recorded in the MANIFEST, reads
 * and iterators go through them, obsolete WALs are deleted, 2PC prepares outlive the flush
 * of their WAL, and the real LevelDB opens the folder after `db.flush()` (and we open its).
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { STRATEGIES } from "@writepath/strategies"
import { recoverVersionSet } from "@writepath/version"
import fc from "fast-check"
import { afterEach, describe, expect, it } from "vitest"
import { type Database, open } from "../src/index.ts"

const require = createRequire(import.meta.url)
interface Level {
  open(): Promise<void>
  close(): Promise<void>
  get(k: string): Promise<string | undefined>
  put(k: string, v: string): Promise<void>
  batch(ops: ReadonlyArray<{ type: "put" | "del"; key: string; value?: string }>): Promise<void>
  iterator(): AsyncIterable<[string, string]>
}
const classicLevel = (dir: string, options: object = {}): Level => {
  const { ClassicLevel } = require("classic-level") as { ClassicLevel: new (d: string, o: object) => Level }
  return new ClassicLevel(dir, options)
}

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
const fresh = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-flush-"))
  dirs.push(d)
  return d
}
const td = new TextDecoder()
const str = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : td.decode(b))
const key = (i: number): string => `k${String(i).padStart(5, "0")}`
const files = (dir: string, ext: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith(ext))

const scan = async (db: Database, options: object = {}): Promise<Array<[string, string]>> => {
  const out: Array<[string, string]> = []
  for await (const [k, v] of db.iterator(options)) out.push([td.decode(k), td.decode(v)])
  return out
}
const sorted = (m: Map<string, string>): Array<[string, string]> => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

describe.each(STRATEGIES)("flush with %s", (strategy) => {
  const small = (dir: string) => ({
    path: dir,
    strategy,
    writeBufferSize: 64 * 1024,
    maxWriteBufferNumber: 4,
    ...(strategy === "concurrent-memtable" ? { concurrentMemtableWorkers: 1 } : {}),
  })

  it("a random history of puts, deletes and range deletes reads the same from memtables, tables and after reopen", async () => {
    const dir = fresh()
    const db = await open(small(dir))
    const model = new Map<string, string>()
    const ops = fc.sample(
      fc.oneof(
        { weight: 12, arbitrary: fc.record({ op: fc.constant("put" as const), k: fc.nat(599), v: fc.string({ maxLength: 300 }) }) },
        { weight: 3, arbitrary: fc.record({ op: fc.constant("del" as const), k: fc.nat(599) }) },
        { weight: 1, arbitrary: fc.record({ op: fc.constant("range" as const), k: fc.nat(599), n: fc.integer({ min: 1, max: 20 }) }) },
      ),
      { numRuns: 6000, seed: 42 },
    )
    let snapshot: { snap: ReturnType<Database["snapshot"]>; state: Array<[string, string]> } | undefined
    for (const [i, o] of ops.entries()) {
      if (o.op === "put") {
        await db.put(key(o.k), o.v)
        model.set(key(o.k), o.v)
      } else if (o.op === "del") {
        await db.delete(key(o.k))
        model.delete(key(o.k))
      } else {
        await db.deleteRange(key(o.k), key(o.k + o.n))
        for (let j = o.k; j < o.k + o.n; j++) model.delete(key(j))
      }
      if (i === 1500) snapshot = { snap: db.snapshot(), state: sorted(model) }
    }
    await db.flush()
    const s = db.stats()
    expect(s.flushes).toBeGreaterThanOrEqual(4)
    expect(s.immutableMemtables).toBe(0)
    // Everything but the current WAL was deleted: the tables hold it all.
    expect(s.liveWals).toHaveLength(1)
    expect(files(dir, ".log")).toHaveLength(1)
    expect(await scan(db)).toEqual(sorted(model))
    expect(await scan(db, { reverse: true })).toEqual(sorted(model).reverse())
    for (let k = 0; k < 600; k += 7) expect(str(await db.get(key(k)))).toBe(model.get(key(k)))
    // The snapshot taken mid-way still sees its state: the flushes kept the versions it needs.
    expect(await scan(db, { snapshot: snapshot!.snap })).toEqual(snapshot!.state)
    await db.close()

    const again = await open(small(dir))
    expect(again.stats().levelFiles.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
    expect(await scan(again)).toEqual(sorted(model))
    await again.put("after", "reopen")
    expect(str(await again.get("after"))).toBe("reopen")
    await again.close()
  })

  it("an iterator keeps reading what it started with while flushes change the tables under it", async () => {
    const dir = fresh()
    const db = await open(small(dir))
    for (let i = 0; i < 200; i++) await db.put(key(i), "old")
    const it = db.iterator()[Symbol.asyncIterator]()
    const first = await it.next()
    for (let i = 0; i < 200; i++) await db.put(key(i), "new".repeat(100))
    await db.flush()
    const seen = [first.value as [Uint8Array, Uint8Array]]
    for (let r = await it.next(); !r.done; r = await it.next()) seen.push(r.value)
    expect(seen).toHaveLength(200)
    expect(seen.every(([, v]) => td.decode(v) === "old")).toBe(true)
    expect(str(await db.get(key(5)))).toBe("new".repeat(100))
    await db.close()
  })

  it("writes with disableWAL are flushed at close and survive a reopen", async () => {
    const dir = fresh()
    const db = await open(small(dir))
    await db.put("logged", "1", { sync: true })
    await db.put("unlogged", "2", { disableWAL: true })
    await db.close()
    const again = await open(small(dir))
    expect([str(await again.get("logged")), str(await again.get("unlogged"))]).toEqual(["1", "2"])
    await again.close()
  })
})

describe("2PC across flushes", () => {
  const options = (dir: string) => ({ path: dir, strategy: "two-queue" as const, writeBufferSize: 64 * 1024, maxWriteBufferNumber: 4 })

  it("a prepared transaction's WAL outlives the flush of its data and the transaction recovers; after commit and flush the WAL goes", async () => {
    const dir = fresh()
    const db = await open(options(dir))
    const t = db.beginTransaction({ name: "t1" })
    t.put("t1-a", "1")
    await t.prepare()
    const prepWals = files(dir, ".log")
    for (let i = 0; i < 400; i++) await db.put(key(i), "x".repeat(500))
    await db.flush()
    // The WAL holding the prepare is older than the MANIFEST's log number, and kept.
    const state = recoverVersionSet(dir)
    const prepWal = Number(prepWals.at(-1)!.slice(0, 6))
    expect(prepWal).toBeLessThan(state.logNumber)
    expect(files(dir, ".log")).toContain(prepWals.at(-1))
    await db.close()

    const again = await open(options(dir))
    expect(again.getPreparedTransactions().map((x) => x.name)).toEqual(["t1"])
    expect(await again.get("t1-a")).toBeUndefined()
    await again.getPreparedTransactions()[0]!.commit()
    expect(str(await again.get("t1-a"))).toBe("1")
    await again.flush()
    expect(files(dir, ".log")).not.toContain(prepWals.at(-1))
    await again.close()

    const third = await open(options(dir))
    expect(third.getPreparedTransactions()).toEqual([])
    expect(str(await third.get("t1-a"))).toBe("1")
    expect(str(await third.get(key(399)))).toBe("x".repeat(500))
    await third.close()
  })

  it("a commit whose prepare WAL was flushed away is still recovered from the WALs (the commit's memtable keeps the prepare WAL)", async () => {
    const dir = fresh()
    const db = await open(options(dir))
    const t = db.beginTransaction({ name: "t2" })
    t.put("t2-a", "A")
    await t.prepare()
    for (let i = 0; i < 300; i++) await db.put(key(i), "y".repeat(500))
    await db.flush() // the prepare's WAL is below the log number now, kept for t2
    await t.commit() // the commit lands in the new mutable memtable: not flushed
    await db.close()
    // Twice: the first open replays the commit into a memtable and must keep the prepare's
    // WAL (below the log number) until that memtable is flushed, or the second open finds a
    // commit of an unknown transaction and loses its data (found by the crash loop).
    for (let open_ = 0; open_ < 2; open_++) {
      const again = await open(options(dir))
      expect(str(await again.get("t2-a"))).toBe("A")
      expect(again.getPreparedTransactions()).toEqual([])
      await again.close()
    }
    const last = await open(options(dir))
    await last.flush()
    await last.close()
    const flushed = await open(options(dir))
    expect(str(await flushed.get("t2-a"))).toBe("A")
    await flushed.close()
  })
})

describe("LevelDB interop through the engine", () => {
  it("classic-level (the real LevelDB) reads every key after db.flush() and close", async () => {
    const dir = fresh()
    const db = await open({ path: dir, writeBufferSize: 64 * 1024 })
    const model = new Map<string, string>()
    for (let i = 0; i < 3000; i++) {
      await db.put(key(i), `v${i}`)
      model.set(key(i), `v${i}`)
    }
    for (let i = 0; i < 3000; i += 3) {
      await db.delete(key(i))
      model.delete(key(i))
    }
    const b = db.batch()
    for (let i = 1; i < 3000; i += 30) {
      b.put(key(i), `b${i}`)
      model.set(key(i), `b${i}`)
    }
    await db.write(b)
    await db.flush()
    await db.close()

    const level = classicLevel(dir, { createIfMissing: false })
    await level.open()
    const got = new Map<string, string>()
    for await (const [k, v] of level.iterator()) got.set(k, v)
    await level.close()
    expect(sorted(got)).toEqual(sorted(model))
  })

  it("a folder written by classic-level (compression off) opens in writepath, reads, takes writes and reopens", async () => {
    const dir = fresh()
    const level = classicLevel(dir, { compression: false, writeBufferSize: 64 * 1024 })
    await level.open()
    const model = new Map<string, string>()
    for (let i = 0; i < 4000; i++) {
      await level.put(key(i), `L${i}`)
      model.set(key(i), `L${i}`)
    }
    await level.batch([
      { type: "del", key: key(7) },
      { type: "put", key: key(8), value: "batched" },
    ])
    model.delete(key(7))
    model.set(key(8), "batched")
    await level.close()
    expect(files(dir, ".ldb").length).toBeGreaterThan(0)

    const db = await open({ path: dir, createIfMissing: false, writeBufferSize: 64 * 1024 })
    expect(await scan(db)).toEqual(sorted(model))
    await db.put("ours", "too")
    await db.flush()
    await db.close()
    const again = await open({ path: dir, createIfMissing: false })
    expect(str(await again.get("ours"))).toBe("too")
    expect(str(await again.get(key(8)))).toBe("batched")
    expect(await again.get(key(7))).toBeUndefined()
    await again.close()
  })
})

describe("table corruption", () => {
  /** A closed database with one table whose byte at `at` (negative: from the end) has `mask` flipped. */
  const withFlippedTable = async (at: number, mask: number): Promise<string> => {
    const dir = fresh()
    const db = await open({ path: dir })
    for (let i = 0; i < 500; i++) await db.put(key(i), `value-${i}`)
    await db.flush()
    await db.close()
    const table = path.join(dir, files(dir, ".ldb")[0]!)
    const bytes = fs.readFileSync(table)
    const i = at < 0 ? bytes.length + at : at
    bytes[i] = bytes[i]! ^ mask
    fs.writeFileSync(table, bytes)
    return dir
  }

  it("a flipped bit in a table's data block is detected by its CRC: the read fails with TableCorruption, nothing wrong is returned", async () => {
    const dir = await withFlippedTable(100, 0x10) // inside the first data block
    const again = await open({ path: dir })
    const err = await again.get(key(0)).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect((err as { _tag?: string })?._tag).toBe("TableCorruption")
    await again.close()
  })

  it("a flipped bit in a table's footer or index fails the open with TableCorruption", async () => {
    const dir = await withFlippedTable(-60, 0x01) // the index block, just before the footer
    const err = await open({ path: dir }).then(
      (d) => d.close(),
      (e: unknown) => e,
    )
    expect((err as { _tag?: string })?._tag).toBe("TableCorruption")
  })
})
