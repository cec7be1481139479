/**
 * runCompaction on real tables: the snapshot-stripe rule, Deletes dropped only at the base
 * level and below the oldest snapshot, outputs cut at the target size but never inside one
 * user key, range tombstones carried (clipped, never dropped), trivial moves, one MANIFEST edit
 * recorded (or nothing on failure: corrupt input, stale compaction), and yielding.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { TableCorruption } from "@writepath/table"
import { afterAll, describe, expect, it } from "vitest"
import {
  type NewFile,
  pickCompaction,
  pickRangeCompaction,
  recoverVersionSet,
  runCompaction,
  tableFileName,
  VersionInvalidArgument,
  VersionSet,
} from "../src/index.ts"
import { checkLevelsDisjoint, dumpTable, flushOps, type Op, readValue, TableCache } from "./support/compaction.ts"

const root = fs.mkdtempSync(path.join(os.tmpdir(), "wp-compact-"))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
let n = 0
const freshDir = (): string => path.join(root, `c${++n}`)
const put = (key: string, sequence: number, value = `v${sequence}`): Op => ({ key, sequence, type: 1, value })
const del = (key: string, sequence: number): Op => ({ key, sequence, type: 0, value: "" })
const ldbFiles = (dir: string): string[] =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ldb"))
    .sort()
const k = (i: number): string => `key${String(i).padStart(6, "0")}`

/** Flushes each op list as a level-0 table (every version kept), then compacts all of level 0 into level 1. */
/** Output tables without compression: these tests count outputs cut at byte sizes of raw entries. */
const raw = { compression: "none" } as const

const compactL0 = async (dir: string, tables: ReadonlyArray<ReadonlyArray<Op>>, snapshots?: number[], targetFileSizeBase = 64 << 20) => {
  const vs = await VersionSet.create(dir)
  for (const ops of tables) await flushOps(vs, ops)
  const c = pickRangeCompaction(vs.state, 0, undefined, undefined, { targetFileSizeBase })!
  const r = await runCompaction(vs, c, snapshots ? { snapshots, table: raw } : { table: raw })
  return { vs, c, r }
}

describe("runCompaction: what is dropped", () => {
  it("keeps the newest version of each snapshot stripe; without snapshots only the newest", async () => {
    const tables = [
      [put("k", 1), put("k", 2), put("j", 3)],
      [put("k", 3), put("k", 4)],
      [put("k", 5), put("k", 6)],
    ]
    const a = await compactL0(freshDir(), tables, [4, 2])
    expect(a.r.newFiles.map((f) => dumpTable(a.vs.dir, f.number).entries)).toEqual([["j@3:1", "k@6:1", "k@4:1", "k@2:1"]])
    expect([a.r.stats.entriesIn, a.r.stats.entriesOut, a.r.stats.droppedVersions]).toEqual([7, 4, 3])
    await a.vs.close()
    const b = await compactL0(freshDir(), tables)
    expect(b.r.newFiles.map((f) => dumpTable(b.vs.dir, f.number).entries)).toEqual([["j@3:1", "k@6:1"]])
    await b.vs.close()
  })

  it("drops a Delete (and what it hides) at the base level, below the oldest snapshot only", async () => {
    const tables = [
      [put("a", 1), put("b", 2), put("c", 3)],
      [del("a", 4), del("b", 5), put("c", 6)],
    ]
    const a = await compactL0(freshDir(), tables)
    expect(dumpTable(a.vs.dir, a.r.newFiles[0]!.number).entries).toEqual(["c@6:1"])
    expect([a.r.stats.droppedTombstones, a.r.stats.droppedVersions]).toEqual([2, 3])
    await a.vs.close()
    // A snapshot at 4: the Delete of a is at or below it (dropped), the Delete of b above it (kept).
    const s = await compactL0(freshDir(), tables, [4])
    expect(dumpTable(s.vs.dir, s.r.newFiles[0]!.number).entries).toEqual(["b@5:0", "b@2:1", "c@6:1", "c@3:1"])
    await s.vs.close()
  })

  it("keeps a Delete when a deeper level holds a file whose range contains the key", async () => {
    const dir = freshDir()
    const vs = await VersionSet.create(dir)
    const deep = (await flushOps(vs, [put("a", 1), put("m", 2)]))!
    const f = vs.state.files[0]![0]!
    await vs.logAndApply({ deletedFiles: [{ level: 0, number: deep }], newFiles: [{ ...f, level: 3 }] })
    await flushOps(vs, [put("b", 3), put("z", 4)])
    await flushOps(vs, [del("b", 5), del("z", 6)])
    const c = pickRangeCompaction(vs.state, 0, undefined, undefined)!
    const r = await runCompaction(vs, c)
    // b lies inside [a, m] of the level-3 file: its Delete stays; z lies outside: dropped.
    expect(dumpTable(dir, r.newFiles[0]!.number).entries).toEqual(["b@5:0"])
    expect(r.stats.droppedTombstones).toBe(1)
    await vs.close()
  })
})

describe("runCompaction: outputs", () => {
  it("cuts outputs at the target size between user keys, never inside one key's versions", async () => {
    const snapshots = Array.from({ length: 300 }, (_, i) => i * 2 + 1)
    const many = Array.from({ length: 300 }, (_, i) => put(k(500), i * 2 + 1, "x".repeat(40)))
    const spread = Array.from({ length: 1000 }, (_, i) => put(k(i), 1000 + i, "y".repeat(40)))
    const { vs, r } = await compactL0(freshDir(), [many, spread], snapshots, 4096)
    expect(r.newFiles.length).toBeGreaterThan(5)
    checkLevelsDisjoint(vs.state)
    const keysPerFile = r.newFiles.map((f) => new Set(dumpTable(vs.dir, f.number).entries.map((e) => e.split("@")[0])))
    const seen = new Set<string>()
    for (const keys of keysPerFile) {
      for (const key of keys) {
        expect(seen.has(key!)).toBe(false)
        seen.add(key!)
      }
    }
    expect(seen.size).toBe(1000)
    const big = keysPerFile.findIndex((s) => s.has(k(500)))
    expect(dumpTable(vs.dir, r.newFiles[big]!.number).entries.filter((e) => e.startsWith(k(500)))).toHaveLength(301)
    // Every output but the last reached the target size before it was cut.
    for (const f of r.newFiles.slice(0, -1)) expect(f.fileSize).toBeGreaterThanOrEqual(4096)
    await vs.close()
  })

  it("carries range tombstones into the outputs, clipped to each output's span, never dropped", async () => {
    const dir = freshDir()
    const vs = await VersionSet.create(dir)
    const universe = Array.from({ length: 400 }, (_, i) => k(i))
    await flushOps(
      vs,
      universe.map((key, i) => put(key, i + 1, "z".repeat(30))),
    )
    await flushOps(vs, [{ key: k(100), sequence: 1000, type: 0x0f, value: k(300) }, put(k(150), 1001)], { universe })
    const c = pickRangeCompaction(vs.state, 0, undefined, undefined, { targetFileSizeBase: 2048 })!
    const r = await runCompaction(vs, c, { snapshots: [500], table: raw })
    expect(r.newFiles.length).toBeGreaterThan(3)
    checkLevelsDisjoint(vs.state)
    const pieces = r.newFiles.flatMap((f) => dumpTable(dir, f.number).tombstones)
    expect(r.stats.rangeTombstonesIn).toBe(1)
    expect(r.stats.rangeTombstonesOut).toBe(pieces.length)
    expect(pieces.length).toBeGreaterThan(1)
    // The pieces tile [k(100), k(300)) exactly, each at sequence 1000.
    const spans = pieces.map((p) => /^\[(.*),(.*)\)@1000$/.exec(p)!.slice(1))
    expect(spans[0]![0]).toBe(k(100))
    expect(spans[spans.length - 1]![1]).toBe(k(300))
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBe(spans[i - 1]![1])
    const cache = new TableCache(dir)
    expect(readValue(vs.state, cache, k(150))).toBe("v1001")
    expect(readValue(vs.state, cache, k(200))).toBeUndefined()
    expect(readValue(vs.state, cache, k(200), 500)).toBe("z".repeat(30))
    expect(readValue(vs.state, cache, k(300))).toBe("z".repeat(30))
    cache.closeAll()
    await vs.close()
  })

  it("writes an output holding only range tombstones when every entry is dropped", async () => {
    const dir = freshDir()
    const vs = await VersionSet.create(dir)
    await flushOps(vs, [put("b", 1)])
    await flushOps(vs, [{ key: "a", sequence: 2, type: 0x0f, value: "c" }], { universe: ["b"] })
    const r = await runCompaction(vs, pickRangeCompaction(vs.state, 0, undefined, undefined)!)
    expect(r.stats.entriesOut).toBe(0)
    expect(r.newFiles.map((f) => dumpTable(dir, f.number))).toEqual([{ entries: [], tombstones: ["[a,c)@2"] }])
    await vs.close()
  })
})

describe("runCompaction: the MANIFEST edit", () => {
  it("records inputs deleted, outputs at level + 1 and the compact pointer in one edit; reports inputs obsolete", async () => {
    const dir = freshDir()
    const vs = await VersionSet.create(dir)
    for (let t = 0; t < 4; t++)
      await flushOps(
        vs,
        Array.from({ length: 50 }, (_, i) => put(k(i * 4 + t), t * 100 + i + 1)),
      )
    const inputs = vs.state.files[0]!.map((f) => f.number)
    const c = pickCompaction(vs.state, {})!
    expect(numbersOf(c.inputs[0])).toEqual(inputs)
    const r = await runCompaction(vs, c)
    await vs.close()
    expect([...r.obsoleteFiles].sort((a, b) => a - b)).toEqual(inputs)
    expect(r.edit.newFiles).toEqual(r.newFiles)
    const rec = recoverVersionSet(dir)
    expect(rec.files[0]).toEqual([])
    expect(rec.files[1]!.map((f) => f.number)).toEqual(r.newFiles.map((f) => f.number))
    expect(rec.compactPointers[0]).toEqual(c.compactPointer)
    expect(r.stats.bytesRead).toBe(c.inputs[0].reduce((s, f) => s + f.fileSize, 0))
    expect(r.stats.bytesWritten).toBe(r.newFiles.reduce((s, f) => s + f.fileSize, 0))
  })

  it("a trivial move only edits the MANIFEST: the file stays, nothing is obsolete", async () => {
    const dir = freshDir()
    const vs = await VersionSet.create(dir)
    const number = (await flushOps(vs, [put("a", 1), put("b", 2)]))!
    const c = pickCompaction(vs.state, { level0FileNumCompactionTrigger: 1 })!
    expect(c.trivialMove).toBe(true)
    const r = await runCompaction(vs, c)
    await vs.close()
    expect([r.trivialMove, r.obsoleteFiles, r.newFiles.map((f: NewFile) => [f.level, f.number])]).toEqual([true, [], [[1, number]]])
    const rec = recoverVersionSet(dir)
    expect([rec.files[0], rec.files[1]!.map((f) => f.number)]).toEqual([[], [number]])
    expect(ldbFiles(dir)).toEqual([path.basename(tableFileName(dir, number))])
  })

  it("a corrupt input rejects with TableCorruption: partial outputs deleted, nothing recorded", async () => {
    const dir = freshDir()
    const vs = await VersionSet.create(dir)
    const value = "w".repeat(60)
    for (let t = 0; t < 3; t++)
      await flushOps(
        vs,
        Array.from({ length: 400 }, (_, i) => put(k(i), t * 1000 + i + 1, value)),
      )
    // The last table holds only the largest keys: the merge reaches its blocks after several outputs.
    const last = (await flushOps(
      vs,
      Array.from({ length: 400 }, (_, i) => put(k(1000 + i), 5000 + i, value)),
    ))!
    const before = vs.state
    const filesBefore = ldbFiles(dir)
    const p = tableFileName(dir, last)
    const bytes = fs.readFileSync(p)
    bytes[bytes.length >> 1]! ^= 0x10 // a data block in the middle of the table
    fs.writeFileSync(p, bytes)
    const c = pickRangeCompaction(vs.state, 0, undefined, undefined, { targetFileSizeBase: 4096 })!
    const err = await runCompaction(vs, c, { table: raw }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TableCorruption)
    expect((err as TableCorruption).path).toBe(p)
    // Outputs were started (numbers handed out), and are gone again.
    expect(vs.state.nextFileNumber - before.nextFileNumber).toBeGreaterThan(3)
    expect(ldbFiles(dir)).toEqual(filesBefore)
    expect(vs.state.files).toEqual(before.files)
    // The version set still works, and the MANIFEST holds no compaction.
    await flushOps(vs, [put("after", 9000)])
    await vs.close()
    const rec = recoverVersionSet(dir)
    expect(rec.files[1]).toEqual([])
    expect(rec.files[0]).toHaveLength(5)
  })

  it("a compaction whose inputs are gone is refused before any work", async () => {
    const dir = freshDir()
    const vs = await VersionSet.create(dir)
    for (let t = 0; t < 2; t++) await flushOps(vs, [put("a", t * 2 + 1), put("b", t * 2 + 2)])
    const c = pickRangeCompaction(vs.state, 0, undefined, undefined)!
    await runCompaction(vs, c)
    const files = ldbFiles(dir)
    await expect(runCompaction(vs, c)).rejects.toBeInstanceOf(VersionInvalidArgument)
    expect(ldbFiles(dir)).toEqual(files)
    await vs.close()
  })

  it("yields to the event loop while merging and reports the longest stretch", async () => {
    const dir = freshDir()
    const vs = await VersionSet.create(dir)
    for (let t = 0; t < 4; t++)
      await flushOps(
        vs,
        Array.from({ length: 15_000 }, (_, i) => put(k(i), t * 20_000 + i + 1, "v".repeat(50))),
      )
    let ticks = 0
    const timer = setInterval(() => ticks++, 1)
    const r = await runCompaction(vs, pickCompaction(vs.state, {})!, { yieldEveryMs: 2 })
    clearInterval(timer)
    await vs.close()
    expect(r.stats.entriesIn).toBe(60_000)
    expect(r.stats.entriesOut).toBe(15_000)
    expect(ticks).toBeGreaterThan(0)
    expect(r.longestStretchMs).toBeGreaterThan(0)
    expect(r.longestStretchMs).toBeLessThan(r.stats.ms)
  })
})

const numbersOf = (files: ReadonlyArray<{ number: number }>): number[] => files.map((f) => f.number).sort((a, b) => a - b)
