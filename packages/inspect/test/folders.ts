/**
 * Database folders for the inspect tests, built at test time with the real writers
 * (VersionSet + flushToLevel0, LogWriter + WriteBatch, LevelDB through classic-level), and a
 * byte-level snapshot of a folder to prove inspect changed nothing.
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { WriteBatch } from "@writepath/batch"
import { flushToLevel0, VersionSet } from "@writepath/version"
import { LogWriter, logFileName, makeNode } from "@writepath/wal"

const te = new TextEncoder()
const PUT = 1
const DELETE = 0

/** Appends each batch as one WAL record to a new `NNNNNN.log`. */
export const writeWal = async (dir: string, number: number, batches: ReadonlyArray<WriteBatch>): Promise<void> => {
  const w = new LogWriter(makeNode().openWritable(logFileName(dir, number)), { logNumber: number })
  for (const b of batches) w.addRecord(b.data)
  await w.close()
}

export const batchAt = (sequence: number, fill: (b: WriteBatch) => WriteBatch): WriteBatch => {
  const b = fill(new WriteBatch())
  b.sequence = sequence
  return b
}

/**
 * A writepath folder after two flushes and a trivial move (what LevelDB's compaction records
 * when a level-0 file overlaps nothing below):
 *
 *   MANIFEST-000001  4 edits: create; flush of WAL 2 -> table 4 (log 3); flush of WAL 3 ->
 *                    table 6 (log 5); move table 4 from level 0 to level 1
 *   level 0          000006.ldb  d@4 e@5 0xff00@6 (Puts) + range tombstone [x, y)@7
 *   level 1          000004.ldb  a@1 b@2 (Puts) c@3 (Delete)
 *   000002.log       obsolete: seq 1..3 in 2 records
 *   000003.log       obsolete: seq 4..7 in 2 records
 *   000005.log       live: seq 8..9, plus a LogData-only record (no sequence)
 *   orphans          000099.ldb (a table copy), 000100.dbtmp, MANIFEST-000098
 *   IDENTITY         "test-identity"
 */
export const buildFlushedFolder = async (dir: string): Promise<void> => {
  const vs = await VersionSet.create(dir)
  try {
    const wal2 = vs.newFileNumber()
    await writeWal(dir, wal2, [batchAt(1, (b) => b.put("a", "1").put("b", "2")), batchAt(3, (b) => b.delete("c"))])
    const wal3 = vs.newFileNumber()
    const first = await flushToLevel0(
      vs,
      [
        { key: te.encode("a"), sequence: 1, type: PUT, value: te.encode("1") },
        { key: te.encode("b"), sequence: 2, type: PUT, value: te.encode("2") },
        { key: te.encode("c"), sequence: 3, type: DELETE, value: new Uint8Array(0) },
      ],
      { logNumber: wal3 },
    )
    await writeWal(dir, wal3, [
      batchAt(4, (b) => b.put("d", "4").put("e", "5").put(Uint8Array.of(0xff, 0x00), "6")),
      batchAt(7, (b) => b.deleteRange("x", "y")),
    ])
    const wal5 = vs.newFileNumber()
    await flushToLevel0(
      vs,
      [
        { key: te.encode("d"), sequence: 4, type: PUT, value: te.encode("4") },
        { key: te.encode("e"), sequence: 5, type: PUT, value: te.encode("5") },
        { key: Uint8Array.of(0xff, 0x00), sequence: 6, type: PUT, value: te.encode("6") },
      ],
      { logNumber: wal5, lastSequence: 7, rangeTombstones: [{ key: te.encode("x"), sequence: 7, type: 0x0f, value: te.encode("y") }] },
    )
    const moved = first.file!
    await vs.logAndApply({ deletedFiles: [{ level: 0, number: moved.number }], newFiles: [{ ...moved, level: 1 }] })
    await writeWal(dir, wal5, [batchAt(8, (b) => b.put("g", "8").put("h", "9")), batchAt(10, (b) => b.putLogData("note"))])
  } finally {
    await vs.close()
  }
  fs.copyFileSync(path.join(dir, "000006.ldb"), path.join(dir, "000099.ldb"))
  fs.writeFileSync(path.join(dir, "000100.dbtmp"), "MANIFEST-000100\n")
  fs.copyFileSync(path.join(dir, "MANIFEST-000001"), path.join(dir, "MANIFEST-000098"))
  fs.writeFileSync(path.join(dir, "IDENTITY"), "test-identity\n")
}

export const copyFolder = (from: string, to: string): string => {
  fs.cpSync(from, to, { recursive: true })
  return to
}

/** Every file's name, bytes and mtime: equal snapshots mean nothing was created, removed, written or touched. */
export const snapshotFolder = (dir: string): Map<string, { readonly bytes: string; readonly mtimeMs: number }> =>
  new Map(
    fs
      .readdirSync(dir)
      .sort()
      .map((name) => {
        const p = path.join(dir, name)
        return [name, { bytes: fs.readFileSync(p).toString("base64"), mtimeMs: fs.statSync(p).mtimeMs }]
      }),
  )

interface Level {
  open(): Promise<void>
  close(): Promise<void>
  put(k: string, v: string): Promise<void>
  batch(ops: ReadonlyArray<{ type: "put" | "del"; key: string; value?: string }>): Promise<void>
  compactRange(start: string, end: string): Promise<void>
}

const require = createRequire(import.meta.url)

export const levelKey = (i: number): string => `key${String(i).padStart(5, "0")}`

/**
 * A folder written by the real LevelDB (classic-level): 4000 puts (sequences 1..4000), a
 * batch deleting every 7th key (572 deletes, 4001..4572), a manual compaction that moves the
 * memtable into a table, then one more put (4573) that stays in the WAL. `compression: true`
 * is LevelDB's default (Snappy tables).
 */
export const buildLevelDbFolder = async (dir: string, compression: boolean): Promise<void> => {
  const { ClassicLevel } = require("classic-level") as { ClassicLevel: new (d: string, o: object) => Level }
  const db = new ClassicLevel(dir, { compression })
  await db.open()
  try {
    for (let i = 0; i < 4000; i++) await db.put(levelKey(i), `value-${i}-${"x".repeat(i % 50)}`)
    const deletes: Array<{ type: "del"; key: string }> = []
    for (let i = 0; i < 4000; i += 7) deletes.push({ type: "del", key: levelKey(i) })
    await db.batch(deletes)
    await db.compactRange(levelKey(0), levelKey(99999))
    await db.put("after", "compaction")
  } finally {
    await db.close()
  }
}
