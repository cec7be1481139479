/**
 * Interop with the real LevelDB (classic-level 3).
 *  (a) writepath -> LevelDB: memtables (puts, deletes, single deletes, a range deletion, batches)
 *      flushed with flushToLevel0 into two level-0 tables + MANIFEST + CURRENT; LevelDB opens the
 *      folder and reads every key and value, misses every deleted key, and iterates in order.
 *  (b) LevelDB -> writepath: a folder written by LevelDB with compression off and its memtable
 *      compacted into tables; recoverVersionSet lists the tables and Table reads every entry,
 *      finding each key through LevelDB's own bloom filter (and LevelDB finding ours in (a)).
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { WriteBatch } from "@writepath/batch"
import { compareUserKeys, MemTable } from "@writepath/memtable"
import { Table } from "@writepath/table"
import { afterAll, describe, expect, it } from "vitest"
import { flushToLevel0, recoverVersionSet, tableFileName, VersionSet } from "../src/index.ts"

const require = createRequire(import.meta.url)

interface Level {
  open(): Promise<void>
  close(): Promise<void>
  get(k: string): Promise<string | undefined>
  put(k: string, v: string): Promise<void>
  del(k: string): Promise<void>
  batch(ops: ReadonlyArray<{ type: "put" | "del"; key: string; value?: string }>): Promise<void>
  compactRange(start: string, end: string): Promise<void>
  iterator(): AsyncIterable<[string, string]>
}
const classicLevel = (dir: string, options: object = {}): Level => {
  const { ClassicLevel } = require("classic-level") as { ClassicLevel: new (d: string, o: object) => Level }
  return new ClassicLevel(dir, options)
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), "wp-interop-"))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
const te = new TextEncoder()
const td = new TextDecoder()
const k = (i: number): string => `key${String(i).padStart(5, "0")}`

describe("LevelDB opens a folder written by writepath", () => {
  it("reads back every key and value across two flushed memtables; deleted keys are absent", async () => {
    const dir = path.join(root, "ours")
    const model = new Map<string, string>()
    const vs = await VersionSet.create(dir)

    // Memtable 1: puts (some overwritten), deletes, a single delete, one batch.
    const m1 = MemTable.make({ writeBufferSize: 4 << 20 })
    let seq = 0
    for (let i = 0; i < 3000; i++) {
      m1.add(++seq, 1, te.encode(k(i)), te.encode(`v${i}`))
      model.set(k(i), `v${i}`)
    }
    for (let i = 0; i < 3000; i += 10) {
      m1.add(++seq, 1, te.encode(k(i)), te.encode(`w${i}`))
      model.set(k(i), `w${i}`)
    }
    for (let i = 5; i < 3000; i += 50) {
      m1.add(++seq, 0, te.encode(k(i)), new Uint8Array(0))
      model.delete(k(i))
    }
    m1.add(++seq, 7, te.encode(k(7)), new Uint8Array(0)) // SingleDelete
    model.delete(k(7))
    const b = new WriteBatch().put(k(9000), "batched").delete(k(8)).put(k(9001), "also")
    seq = m1.insertBatch(b, seq + 1) - 1
    model.set(k(9000), "batched")
    model.set(k(9001), "also")
    model.delete(k(8))
    const log1 = vs.newFileNumber()
    const r1 = await flushToLevel0(vs, m1.newIterator(), {
      logNumber: log1,
      rangeTombstones: m1.newRangeTombstoneIterator(),
      lastSequence: seq,
    })
    expect(r1.file?.level).toBe(0)

    // Memtable 2: newer values, and a range deletion covering keys of table 1.
    const m2 = MemTable.make({ writeBufferSize: 1 << 20 })
    for (let i = 100; i < 200; i++) {
      m2.add(++seq, 1, te.encode(k(i)), te.encode(`x${i}`))
      model.set(k(i), `x${i}`)
    }
    m2.add(++seq, 0x0f, te.encode(k(150)), te.encode(k(400))) // DeleteRange [150, 400)
    for (const key of [...model.keys()]) if (key >= k(150) && key < k(400)) model.delete(key)
    m2.add(++seq, 1, te.encode(k(160)), te.encode("after-range"))
    model.set(k(160), "after-range")
    const older = Table.open(tableFileName(dir, r1.file!.number))
    const coveredKeys = function* (begin: Uint8Array, end: Uint8Array): Generator<Uint8Array> {
      const it = older.newIterator()
      for (it.seek(begin); it.valid() && compareUserKeys(it.key(), end) < 0; it.next()) yield it.key().slice()
    }
    const log2 = vs.newFileNumber()
    const r2 = await flushToLevel0(vs, m2.newIterator(), {
      logNumber: log2,
      rangeTombstones: m2.newRangeTombstoneIterator(),
      coveredKeys,
      lastSequence: seq,
    })
    older.close()
    await vs.close()
    expect(r2.state.files[0]!.length).toBe(2)
    expect(r2.state.lastSequence).toBe(seq)

    const db = classicLevel(dir)
    await db.open()
    try {
      for (let i = 0; i < 3000; i++) expect(await db.get(k(i)).catch(() => undefined)).toBe(model.get(k(i)))
      expect(await db.get(k(9000))).toBe("batched")
      const got: string[] = []
      for await (const [key, value] of db.iterator()) got.push(`${key}=${value}`)
      expect(got).toEqual([...model.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, v]) => `${key}=${v}`))
      // LevelDB continues the sequence after ours: a new write shadows the flushed value.
      await db.put(k(1), "from-leveldb")
      expect(await db.get(k(1))).toBe("from-leveldb")
    } finally {
      await db.close()
    }
  })
})

describe("writepath reads a folder written by LevelDB", () => {
  it("recovers the MANIFEST and reads every entry of LevelDB's tables", async () => {
    const dir = path.join(root, "theirs")
    const db = classicLevel(dir, { compression: false })
    await db.open()
    const model = new Map<string, string>()
    for (let i = 0; i < 4000; i++) {
      await db.put(k(i), `value-${i}-${"x".repeat(i % 50)}`)
      model.set(k(i), `value-${i}-${"x".repeat(i % 50)}`)
    }
    const ops: Array<{ type: "put" | "del"; key: string; value?: string }> = []
    for (let i = 0; i < 4000; i += 7) {
      ops.push({ type: "del", key: k(i) })
      model.delete(k(i))
    }
    await db.batch(ops)
    await db.compactRange(k(0), k(99999)) // memtable -> level-0 table -> compacted
    await db.close()

    const r = recoverVersionSet(dir)
    expect(r.comparator).toBe("leveldb.BytewiseComparator")
    expect(r.lastSequence).toBeGreaterThanOrEqual(4000)
    const live = r.files.flatMap((files, level) => files.map((f) => ({ level, ...f })))
    expect(live.length).toBeGreaterThan(0)
    // Newest entry per user key across the live tables (level 0 newest first, then by level).
    const newest = new Map<string, { seq: number; type: number; value: string }>()
    for (const f of live) {
      const t = Table.open(tableFileName(dir, f.number))
      // classic-level uses LevelDB's bloom filter (10 bits/key): our probes must agree with it.
      expect(t.hasFilter).toBe(true)
      expect(t.fileSize).toBe(f.fileSize)
      for (const e of t.newIterator()) {
        expect(t.get(e.key)._tag).not.toBe("NotFound")
        const key = td.decode(e.key)
        const cur = newest.get(key)
        if (!cur || cur.seq < e.sequence) newest.set(key, { seq: e.sequence, type: e.type, value: td.decode(e.value) })
      }
      t.close()
    }
    const seen = new Map([...newest].filter(([, v]) => v.type === 1).map(([key, v]) => [key, v.value]))
    expect(seen).toEqual(model)
    // Point lookups through each table agree.
    const t0 = Table.open(tableFileName(dir, live[live.length - 1]!.number))
    const hit = t0.get(te.encode(k(1)))
    expect(hit._tag === "Found" && td.decode(hit.value)).toBe(model.get(k(1)))
    t0.close()
  })
})
