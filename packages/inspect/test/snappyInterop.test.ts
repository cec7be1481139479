/**
 * Real LevelDB folders, both ways, with LevelDB's default Snappy tables: classic-level 3
 * (default options: Snappy, 4 MiB write buffer) writes 100k keys across several levels;
 * `db inspect` reads every table; writepath opens the folder, reads every key and iterates
 * them all, writes more (new keys, overwrites, deletes), flushes and compacts into Snappy
 * tables of its own; classic-level then reads everything back, equal to the model.
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { open } from "@writepath/db"
import { Table } from "@writepath/table"
import { afterAll, describe, expect, it } from "vitest"
import { inspectFolder } from "../src/index.ts"

const require = createRequire(import.meta.url)

interface Level {
  open(): Promise<void>
  close(): Promise<void>
  batch(ops: ReadonlyArray<{ type: "put" | "del"; key: string; value?: string }>): Promise<void>
  compactRange(start: string, end: string): Promise<void>
  getProperty(name: string): string
  iterator(): AsyncIterable<[string, string]>
}
const classicLevel = (dir: string): Level => {
  const { ClassicLevel } = require("classic-level") as { ClassicLevel: new (d: string, o?: object) => Level }
  return new ClassicLevel(dir)
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), "wp-snappy-interop-"))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
const td = new TextDecoder()
const N = 100_000
const key = (i: number): string => `key${String(i).padStart(7, "0")}`
/**
 * Half repetitive (Snappy keeps a block compressed only if that saves 1/8), half pseudo-random
 * hex that Snappy cannot shrink, so the folder grows past several 2 MiB LevelDB tables.
 */
const value = (i: number, round: number): string => {
  let x = (i * 2654435761 + round * 40503 + 1) >>> 0
  let noise = ""
  for (let j = 0; j < 8; j++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    noise += x.toString(16).padStart(8, "0")
  }
  return `value ${round} of ${key(i)}: ${"abcdefgh".repeat(8)} ${noise}`
}

/** Data-block compression types of a table file (0 none, 1 Snappy). */
const blockTypes = (file: string): Set<number> => {
  const t = Table.open(file)
  const bytes = fs.readFileSync(file)
  const types = new Set<number>()
  try {
    const it = t.index.iterator((a, ao, al, b, bo, bl) => Buffer.compare(a.subarray(ao, ao + al), b.subarray(bo, bo + bl)))
    for (it.seekToFirst(); it.valid(); it.next()) {
      const h = t.handleAt(t.indexHandle, it.value())
      types.add(bytes[h.offset + h.size]!)
    }
  } finally {
    t.close()
  }
  return types
}

const tableFiles = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith(".ldb") || f.endsWith(".sst"))

describe("LevelDB's default (Snappy) folders", () => {
  it("classic-level writes 100k keys over several levels; writepath reads, extends and flushes them; classic-level reads it all back", async () => {
    const dir = path.join(root, "leveldb")
    const model = new Map<string, string>()
    // A fixed permutation, so memtable flushes overlap and level 0 fills.
    const order = Array.from({ length: N }, (_, i) => (i * 7919) % N)

    // 1. classic-level, default options: first half compacted down, second half on top.
    const ldb = classicLevel(dir)
    await ldb.open()
    for (let start = 0; start < N; start += 1000) {
      const ops = order.slice(start, start + 1000).map((i) => ({ type: "put" as const, key: key(i), value: value(i, 0) }))
      await ldb.batch(ops)
      for (const o of ops) model.set(o.key, o.value)
      if (start === N / 2) await ldb.compactRange(key(0), key(N))
    }
    const dels = Array.from({ length: 500 }, (_, j) => ({ type: "del" as const, key: key(j * 97) }))
    await ldb.batch(dels)
    for (const d of dels) model.delete(d.key)
    const levelsUsed = [0, 1, 2, 3, 4, 5, 6].filter((l) => Number(ldb.getProperty(`leveldb.num-files-at-level${l}`)) > 0)
    await ldb.close()
    expect(levelsUsed.length).toBeGreaterThanOrEqual(2)
    const leveldbTables = tableFiles(dir)
    expect(leveldbTables.length).toBeGreaterThanOrEqual(4)
    expect(leveldbTables.some((f) => blockTypes(path.join(dir, f)).has(1))).toBe(true)

    // 2. db inspect reads LevelDB's Snappy tables (every block, CRCs checked).
    const report = inspectFolder(dir)
    const tables = report.levels.flatMap((l) => l.files)
    expect(tables.length).toBeGreaterThan(2)
    for (const t of tables) {
      expect(t.error).toBeNull()
      expect(t.entries).toBeGreaterThan(0)
    }

    // 3. writepath opens it and reads every key, then iterates all of them.
    const db = await open({ path: dir, writeBufferSize: 1 << 20 })
    for (let i = 0; i < N; i++) {
      const v = await db.get(key(i))
      const want = model.get(key(i))
      if ((v === undefined ? undefined : td.decode(v)) !== want) expect.fail(`${key(i)}: ${v && td.decode(v)} !== ${want}`)
    }
    let seen = 0
    for await (const [k, v] of db.iterator()) {
      if (model.get(td.decode(k)) !== td.decode(v)) expect.fail(`iterator: ${td.decode(k)}`)
      seen++
    }
    expect(seen).toBe(model.size)

    // 4. Writes more: new keys, overwrites, deletes; flush and compact into Snappy tables.
    const before = new Set(tableFiles(dir))
    for (let start = 0; start < 30_000; start += 1000) {
      const b = db.batch()
      for (let j = start; j < start + 1000; j++) {
        const i = j < 20_000 ? N + j : (j * 13) % N
        b.put(key(i), value(i, 1))
        model.set(key(i), value(i, 1))
      }
      for (let j = start; j < start + 1000; j += 50) {
        b.delete(key(j * 3))
        model.delete(key(j * 3))
      }
      await db.write(b)
    }
    await db.flush()
    await db.compactRange({ gte: key(0), lte: key(N / 4) })
    await db.close()
    const ours = tableFiles(dir).filter((f) => !before.has(f))
    expect(ours.length).toBeGreaterThan(0)
    for (const f of ours) expect(blockTypes(path.join(dir, f))).toEqual(new Set([1]))

    // 5. classic-level reads everything back.
    const again = classicLevel(dir)
    await again.open()
    const back = new Map<string, string>()
    for await (const [k, v] of again.iterator()) back.set(k, v)
    await again.close()
    expect(back.size).toBe(model.size)
    for (const [k, v] of model) if (back.get(k) !== v) expect.fail(`classic-level: ${k}: ${back.get(k)} !== ${v}`)
  }, 600_000)
})
