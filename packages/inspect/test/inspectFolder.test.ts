/**
 * inspectFolder on writepath folders built at test time: the MANIFEST's counters and edits,
 * tables per level with keys, sequences and entry counts, WALs with sequences and obsolete
 * flags, orphans; damaged tables and WALs reported per file; a folder without CURRENT; a
 * live database (LOCK held) inspected without disturbing it. Every report is also checked
 * against the --json schema.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { open } from "@writepath/db"
import { LogWriter, makeNode } from "@writepath/wal"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { InspectReport } from "../src/InspectReport.ts"
import { inspectFolder } from "../src/inspectFolder.ts"
import { batchAt, buildFlushedFolder, copyFolder, snapshotFolder } from "./folders.ts"

let root: string
let flushed: string
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "db-inspect-"))
  flushed = path.join(root, "flushed")
  await buildFlushedFolder(flushed)
})
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

/** The report, after checking it against the schema the CLI validates --json with. */
const inspect = (dir: string, verbose = false): InspectReport => InspectReport.parse(inspectFolder(dir, { verbose }))
const copy = (name: string): string => copyFolder(flushed, path.join(root, name))
const tableOf = (r: InspectReport, number: number) => r.levels.flatMap((l) => l.files).find((f) => f.number === number)!

describe("a flushed writepath folder", () => {
  it("reports the MANIFEST's final counters and its edit count", () => {
    const r = inspect(flushed)
    expect(r.folder).toBe(flushed)
    expect(r.identity).toBe("test-identity")
    expect(r.lockPresent).toBe(false)
    expect(r.current).toBe("MANIFEST-000001")
    expect(r.manifest).toEqual({
      name: "MANIFEST-000001",
      size: fs.statSync(path.join(flushed, "MANIFEST-000001")).size,
      comparator: "leveldb.BytewiseComparator",
      logNumber: 5,
      prevLogNumber: 0,
      // 2, 3, 5 went to WALs, 4 and 6 to tables.
      nextFileNumber: 7,
      lastSequence: 7,
      editCount: 4,
      compactPointers: [],
    })
  })

  it("lists live tables per level with user keys, sequences, types, entry counts and on-disk sizes", () => {
    const r = inspect(flushed)
    expect(r.levels.map((l) => l.files.map((f) => f.number))).toEqual([[6], [4], [], [], [], [], []])
    expect(tableOf(r, 4)).toEqual({
      level: 1,
      number: 4,
      name: "000004.ldb",
      size: fs.statSync(path.join(flushed, "000004.ldb")).size,
      smallest: { user: { utf8: "a" }, sequence: 1, type: 1, typeName: "Put" },
      largest: { user: { utf8: "c" }, sequence: 3, type: 0, typeName: "Delete" },
      sizeOnDisk: fs.statSync(path.join(flushed, "000004.ldb")).size,
      entries: 3,
      rangeTombstones: 0,
      error: null,
    })
    const t6 = tableOf(r, 6)
    expect(t6).toMatchObject({
      level: 0,
      smallest: { user: { utf8: "d" }, sequence: 4, typeName: "Put" },
      // Not printable ASCII: hex.
      largest: { user: { hex: "ff00" }, sequence: 6, typeName: "Put" },
      entries: 3,
      rangeTombstones: 1,
      error: null,
    })
    expect(t6.sizeOnDisk).toBe(t6.size)
    expect(r.levels[0]).toMatchObject({ fileCount: 1, bytes: t6.size })
    expect(r.totals).toEqual({ files: 2, bytes: t6.size + tableOf(r, 4).size, entries: 6 })
  })

  it("lists WALs with records, entries, sequences, and which ones recovery would skip", () => {
    const r = inspect(flushed)
    expect(r.wals.map(({ size, ...w }) => w)).toEqual([
      {
        number: 2,
        name: "000002.log",
        records: 2,
        entries: 3,
        firstSequence: 1,
        lastSequence: 3,
        obsolete: true,
        corruptions: [],
        error: null,
      },
      {
        number: 3,
        name: "000003.log",
        records: 2,
        entries: 4,
        firstSequence: 4,
        lastSequence: 7,
        obsolete: true,
        corruptions: [],
        error: null,
      },
      // The LogData-only record counts as a record but uses no sequence.
      {
        number: 5,
        name: "000005.log",
        records: 2,
        entries: 2,
        firstSequence: 8,
        lastSequence: 9,
        obsolete: false,
        corruptions: [],
        error: null,
      },
    ])
    expect(r.wals[2]!.size).toBe(fs.statSync(path.join(flushed, "000005.log")).size)
  })

  it("lists orphans: tables the MANIFEST does not name, temp files, MANIFESTs CURRENT does not name", () => {
    const r = inspect(flushed)
    expect(r.orphans).toEqual([
      { name: "000099.ldb", kind: "table", size: fs.statSync(path.join(flushed, "000099.ldb")).size },
      { name: "000100.dbtmp", kind: "temp", size: 16 },
      { name: "MANIFEST-000098", kind: "manifest", size: fs.statSync(path.join(flushed, "MANIFEST-000098")).size },
    ])
  })

  it("--verbose decodes every edit, the trivial move's delete and add included", () => {
    const quiet = inspect(flushed)
    expect(quiet.manifest!.edits).toBeUndefined()
    const edits = inspect(flushed, true).manifest!.edits!
    expect(edits).toHaveLength(4)
    expect(edits[0]).toEqual({
      offset: 0,
      comparator: "leveldb.BytewiseComparator",
      logNumber: 0,
      prevLogNumber: 0,
      nextFileNumber: 2,
      lastSequence: 0,
    })
    expect(edits[1]).toMatchObject({
      logNumber: 3,
      lastSequence: 3,
      newFiles: [{ level: 0, number: 4, smallest: { user: { utf8: "a" } }, largest: { user: { utf8: "c" }, sequence: 3 } }],
    })
    expect(edits[1]!.deletedFiles).toBeUndefined()
    expect(edits[2]).toMatchObject({ logNumber: 5, lastSequence: 7, newFiles: [{ level: 0, number: 6 }] })
    expect(edits[3]).toMatchObject({ deletedFiles: [{ level: 0, number: 4 }], newFiles: [{ level: 1, number: 4 }] })
    // Offsets are where each record starts: strictly increasing within the file.
    expect(edits.map((e) => e.offset)).toEqual([...edits.map((e) => e.offset)].sort((a, b) => a - b))
    expect(new Set(edits.map((e) => e.offset)).size).toBe(4)
  })

  it("changes nothing in the folder", () => {
    fs.writeFileSync(path.join(flushed, "LOCK"), "")
    try {
      const before = snapshotFolder(flushed)
      expect(inspect(flushed, true).lockPresent).toBe(true)
      expect(snapshotFolder(flushed)).toEqual(before)
    } finally {
      fs.rmSync(path.join(flushed, "LOCK"))
    }
  })
})

describe("damaged files are reported per file, the rest of the folder still described", () => {
  it("a missing table, a table with the wrong size, a truncated table", () => {
    const dir = copy("damaged-tables")
    const t6 = tableOf(inspect(dir), 6)
    fs.rmSync(path.join(dir, "000006.ldb"))
    fs.appendFileSync(path.join(dir, "000004.ldb"), "x")
    let r = inspect(dir)
    expect(tableOf(r, 6)).toMatchObject({ name: null, sizeOnDisk: null, entries: null, error: "000006.ldb (or .sst) does not exist" })
    // An appended byte leaves the footer unreadable: the table does not parse, and the size is wrong.
    expect(tableOf(r, 4)).toMatchObject({ sizeOnDisk: tableOf(r, 4).size + 1, entries: null })
    expect(tableOf(r, 4).error).toMatch(/Corruption/)
    expect(r.totals).toMatchObject({ files: 2, entries: null })
    // The WALs and orphans are still there.
    expect(r.wals).toHaveLength(3)
    expect(r.orphans.map((o) => o.name)).toContain("000099.ldb")

    // A table that parses but whose size differs from the MANIFEST's: the copy of table 6 under number 4.
    fs.copyFileSync(path.join(dir, "000099.ldb"), path.join(dir, "000004.ldb"))
    r = inspect(dir)
    expect(tableOf(r, 4)).toMatchObject({ sizeOnDisk: t6.size, entries: 3, rangeTombstones: 1 })
    expect(tableOf(r, 4).error).toBe(`size on disk ${t6.size} differs from the MANIFEST's ${tableOf(r, 4).size}`)
  })

  it("a flipped byte in a WAL is a corruption at its offset; so is a torn last record, after the records before it", () => {
    const dir = copy("damaged-wal")
    const wal = path.join(dir, "000005.log")
    const bytes = fs.readFileSync(wal)
    // The last record cut 3 bytes short. A copy: Buffer's slice, unlike Uint8Array's, shares memory.
    const torn = Buffer.from(bytes.subarray(0, bytes.length - 3))
    bytes[10] = bytes[10]! ^ 0x40 // inside the first record's payload
    fs.writeFileSync(wal, bytes)
    let w = inspect(dir).wals.find((x) => x.number === 5)!
    expect(w.corruptions).toEqual([{ offset: 0, bytes: bytes.length, reason: "checksum mismatch" }])
    // The reader drops the rest of the block with the bad record: nothing readable is left.
    expect(w).toMatchObject({ records: 0, entries: 0, firstSequence: null, lastSequence: null })

    // A torn last write: point-in-time recovery reports it (and stops there); the record before it counts.
    fs.writeFileSync(wal, torn)
    w = inspect(dir).wals.find((x) => x.number === 5)!
    expect(w).toMatchObject({ records: 1, entries: 2, firstSequence: 8, lastSequence: 9 })
    expect(w.corruptions).toHaveLength(1)
    expect(w.corruptions[0]!.reason).toBe("truncated record body")
    // The dropped region is the second record, from its header to the end of the file.
    expect(w.corruptions[0]!.offset).toBeGreaterThan(0)
    expect(w.corruptions[0]!.offset + w.corruptions[0]!.bytes).toBe(torn.length)
  })

  it("a record that is not a valid WriteBatch is a corruption; the records around it still count", async () => {
    const dir = copy("bad-batch")
    const wal = path.join(dir, "000007.log")
    const w = new LogWriter(makeNode().openWritable(wal), { logNumber: 7 })
    w.addRecord(batchAt(10, (b) => b.put("i", "10")).data)
    const lying = batchAt(11, (b) => b.put("j", "11")).data.slice()
    lying[8] = 5 // the header claims 5 entries; the batch holds 1
    w.addRecord(lying)
    w.addRecord(Uint8Array.of(1, 2, 3)) // shorter than a batch header
    w.addRecord(batchAt(12, (b) => b.put("k", "12")).data)
    await w.close()
    const r = inspect(dir).wals.find((x) => x.number === 7)!
    expect(r.corruptions.map((c) => c.reason)).toEqual(["WriteBatch has wrong count", "log record too small"])
    expect(r.corruptions[0]!.offset).toBeGreaterThan(0)
    expect(r).toMatchObject({ records: 2, entries: 2, firstSequence: 10, lastSequence: 12, obsolete: false })
  })

  it("without CURRENT every table is an orphan and every WAL is replayed", () => {
    const dir = copy("no-current")
    fs.rmSync(path.join(dir, "CURRENT"))
    const r = inspect(dir)
    expect(r).toMatchObject({ current: null, manifest: null, totals: { files: 0, bytes: 0, entries: 0 } })
    expect(r.orphans.map((o) => o.name)).toEqual([
      "000004.ldb",
      "000006.ldb",
      "000099.ldb",
      "000100.dbtmp",
      "MANIFEST-000001",
      "MANIFEST-000098",
    ])
    expect(r.wals.map((w) => w.obsolete)).toEqual([false, false, false])
  })
})

describe("a folder written by the engine", () => {
  it("is described while the database is open: LOCK present, WALs, no tables; the database keeps working", async () => {
    const dir = path.join(root, "engine")
    const db = await open({ path: dir })
    try {
      await db.put("a", "1")
      await db.put("b", "2")
      await db.write(db.batch().put("c", "3").delete("a"))
      const lock = fs.readFileSync(path.join(dir, "LOCK"))
      const r = inspect(dir)
      expect(r.identity).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      expect(r.lockPresent).toBe(true)
      // Whether the engine has a MANIFEST yet (it writes none before its first flush), no
      // table holds these writes: they live in the live WALs, in order.
      expect(r.totals.files).toBe(0)
      const live = r.wals.filter((w) => !w.obsolete)
      expect(live.reduce((n, w) => n + w.records, 0)).toBe(3)
      expect(live.reduce((n, w) => n + w.entries, 0)).toBe(4)
      expect(live[0]!.firstSequence).toBe(1)
      expect(live.at(-1)!.lastSequence).toBe(4)
      expect(r.wals.flatMap((w) => w.corruptions)).toEqual([])
      expect(r.orphans).toEqual([])
      // Inspect left the holder's LOCK alone: the same file, and the database still writes.
      expect(fs.readFileSync(path.join(dir, "LOCK"))).toEqual(lock)
      await db.put("d", "4")
      expect(new TextDecoder().decode(await db.get("d"))).toBe("4")
    } finally {
      await db.close()
    }
    // close() released the LOCK; the next report says so.
    expect(inspect(dir).lockPresent).toBe(false)
  })
})
