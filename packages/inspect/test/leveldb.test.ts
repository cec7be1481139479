/**
 * inspect on folders written by the real LevelDB (classic-level 3): its MANIFEST, its tables
 * (read through, entries counted), its WAL and LOCK; and a snappy-compressed folder (LevelDB's
 * default), whose tables are read through the same way.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { InspectReport } from "../src/InspectReport.ts"
import { inspectFolder } from "../src/inspectFolder.ts"
import { buildLevelDbFolder, levelKey, snapshotFolder } from "./folders.ts"

let root: string
let plain: string
let snappy: string
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "db-inspect-leveldb-"))
  plain = path.join(root, "plain")
  snappy = path.join(root, "snappy")
  await buildLevelDbFolder(plain, false)
  await buildLevelDbFolder(snappy, true)
}, 60_000)
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

const PUTS = 4000
const DELETES = Math.ceil(4000 / 7)

describe("a folder written by LevelDB", () => {
  it("reports its MANIFEST, and every live table read through with the size the MANIFEST recorded", () => {
    const before = snapshotFolder(plain)
    const r = InspectReport.parse(inspectFolder(plain, { verbose: true }))
    expect(snapshotFolder(plain)).toEqual(before)
    expect(r).toMatchObject({ identity: null, lockPresent: true, orphans: [] })
    expect(r.current).toBe(r.manifest!.name)
    expect(r.manifest).toMatchObject({ comparator: "leveldb.BytewiseComparator", lastSequence: PUTS + DELETES })
    expect(r.manifest!.edits).toHaveLength(r.manifest!.editCount)
    const tables = r.levels.flatMap((l) => l.files)
    expect(tables.length).toBeGreaterThan(0)
    for (const t of tables) {
      expect(t).toMatchObject({ error: null, sizeOnDisk: t.size })
      expect(t.name).toMatch(/^\d{6}\.ldb$/)
    }
    // Every put and delete went through one memtable into tables; a compaction may have
    // dropped deletes (and the puts they hide) but never a live key.
    expect(r.totals.entries).toBeGreaterThanOrEqual(PUTS - DELETES)
    expect(r.totals.entries).toBeLessThanOrEqual(PUTS + DELETES)
    const keys = tables.flatMap((t) => [t.smallest, t.largest]).map((k) => ("user" in k && "utf8" in k.user ? k.user.utf8 : "?"))
    expect(keys.sort()[0]!.startsWith("key0000")).toBe(true)
    expect(keys.sort().at(-1)).toBe(levelKey(PUTS - 1))
    // The put after the compaction is in the live WAL, and only there.
    const live = r.wals.filter((w) => !w.obsolete)
    expect(live).toHaveLength(1)
    expect(live[0]).toMatchObject({
      records: 1,
      entries: 1,
      firstSequence: PUTS + DELETES + 1,
      lastSequence: PUTS + DELETES + 1,
      corruptions: [],
    })
    expect(live[0]!.number).toBeGreaterThanOrEqual(r.manifest!.logNumber)
  })

  it("snappy-compressed tables (LevelDB's default) are read through like raw ones", () => {
    const r = InspectReport.parse(inspectFolder(snappy))
    const tables = r.levels.flatMap((l) => l.files)
    expect(tables.length).toBeGreaterThan(0)
    for (const t of tables) {
      expect(t).toMatchObject({ error: null, sizeOnDisk: t.size })
      expect(t.entries).toBeGreaterThan(0)
    }
    expect(r.totals.entries).toBeGreaterThanOrEqual(PUTS - DELETES)
    expect(r.totals.entries).toBeLessThanOrEqual(PUTS + DELETES)
    expect(r.wals.filter((w) => !w.obsolete)).toMatchObject([{ records: 1, firstSequence: PUTS + DELETES + 1 }])
  })
})
