/**
 * The text form: one line per file with its figures, problems on `!` lines under the file,
 * long keys cut, a folder without MANIFEST said so. Checked line by line on a real folder's
 * report and on hand-made reports with every kind of problem.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { formatReport, keyText } from "../src/formatReport.ts"
import type { InspectReport } from "../src/InspectReport.ts"
import { inspectFolder } from "../src/inspectFolder.ts"
import { buildFlushedFolder } from "./folders.ts"

let root: string
let flushed: string
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "db-inspect-format-"))
  flushed = path.join(root, "flushed")
  await buildFlushedFolder(flushed)
})
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

const size = (name: string): number => fs.statSync(path.join(flushed, name)).size

describe("formatReport", () => {
  it("a flushed folder: header, MANIFEST counters, tables per level, WALs, orphans", () => {
    const lines = formatReport(inspectFolder(flushed)).split("\n")
    expect(lines.slice(0, 4)).toEqual([
      `folder     ${flushed}`,
      "IDENTITY   test-identity",
      "LOCK       none",
      "CURRENT    -> MANIFEST-000001",
    ])
    expect(lines).toContain(`MANIFEST-000001  ${size("MANIFEST-000001")} bytes, 4 edits`)
    expect(lines).toContain("  log number        5")
    expect(lines).toContain("  next file number  7")
    expect(lines).toContain("  last sequence     7")
    expect(lines).toContain(`Tables: 2 files, ${size("000004.ldb") + size("000006.ldb")} bytes, 6 entries`)
    const level0 = lines.indexOf(`  level 0 (newest first): 1 file, ${size("000006.ldb")} bytes`)
    expect(lines[level0 + 1]).toBe(`    000006.ldb  ${size("000006.ldb")} bytes  3 entries, 1 range tombstone  "d" @4 Put .. 0xff00 @6 Put`)
    const level1 = lines.indexOf(`  level 1: 1 file, ${size("000004.ldb")} bytes`)
    expect(lines[level1 + 1]).toBe(`    000004.ldb  ${size("000004.ldb")} bytes  3 entries  "a" @1 Put .. "c" @3 Delete`)
    expect(lines).toContain(
      `  000002.log  ${size("000002.log")} bytes  2 records  3 entries  seq 1..3  obsolete (< log number 5: recovery skips it)`,
    )
    expect(lines).toContain(`  000005.log  ${size("000005.log")} bytes  2 records  2 entries  seq 8..9  live`)
    expect(lines).toContain("Orphans: 3 files")
    expect(lines).toContain("  000100.dbtmp  temporary file  16 bytes")
    expect(lines).toContain(`  000099.ldb  table not in the MANIFEST  ${size("000099.ldb")} bytes`)
    // No problems in a healthy folder, and no edits without --verbose.
    expect(lines.filter((l) => l.trimStart().startsWith("!"))).toEqual([])
    expect(lines.filter((l) => l.startsWith("  edit "))).toEqual([])
  })

  it("--verbose adds one line per edit, with added and deleted files under it", () => {
    const lines = formatReport(inspectFolder(flushed, { verbose: true })).split("\n")
    expect(lines).toContain("  edit 1 at offset 0: comparator leveldb.BytewiseComparator, log 0, prev log 0, next file 2, last sequence 0")
    const move = lines.findIndex((l) => l.startsWith("  edit 4 at offset "))
    expect(lines[move + 1]).toBe("    - level 0 #4")
    expect(lines[move + 2]).toBe(`    + level 1 #4 ${size("000004.ldb")} bytes "a" @1 Put .. "c" @3 Delete`)
  })

  it("problems: a missing table, a WAL corruption; no MANIFEST; long keys cut", () => {
    const long = "k".repeat(100)
    const report: InspectReport = {
      folder: "/db",
      identity: null,
      lockPresent: true,
      current: null,
      manifest: null,
      levels: [0, 1, 2, 3, 4, 5, 6].map((level) => ({ level, files: [], fileCount: 0, bytes: 0 })),
      totals: { files: 0, bytes: 0, entries: null },
      wals: [
        {
          number: 9,
          name: "000009.log",
          size: 100,
          records: 1,
          entries: 0,
          firstSequence: null,
          lastSequence: null,
          obsolete: false,
          corruptions: [{ offset: 40, bytes: 60, reason: "checksum mismatch" }],
          error: null,
        },
      ],
      orphans: [],
    }
    report.levels[3] = {
      level: 3,
      fileCount: 1,
      bytes: 10,
      files: [
        {
          level: 3,
          number: 12,
          name: null,
          size: 10,
          smallest: { user: { utf8: long }, sequence: 1, type: 1, typeName: "Put" },
          largest: { invalid: { hex: "0102" } },
          sizeOnDisk: null,
          entries: null,
          rangeTombstones: null,
          error: "000012.ldb (or .sst) does not exist",
        },
      ],
    }
    const lines = formatReport(report).split("\n")
    expect(lines).toContain("LOCK       present (not checked whether a process holds it)")
    expect(lines).toContain("CURRENT    none")
    expect(lines).toContain("MANIFEST   none: no CURRENT (a folder with only WALs); recovery replays every WAL")
    expect(lines).toContain("Tables: 0 files, 0 bytes, ? entries")
    const table = lines.indexOf("  level 3: 1 file, 10 bytes") + 1
    expect(lines[table]).toBe(
      `    000012.ldb  10 bytes  ? entries  ${keyText({ utf8: long })} @1 Put .. 0x0102 (shorter than an internal key)`,
    )
    expect(lines[table + 1]).toBe("      ! 000012.ldb (or .sst) does not exist")
    expect(lines).toContain("  000009.log  100 bytes  1 record  0 entries  no sequences  live")
    expect(lines).toContain("    ! corruption at offset 40: checksum mismatch (60 bytes)")
    expect(lines.at(-1)).toBe("Orphans: none")
  })

  it("keyText quotes text, prefixes hex, and cuts long keys saying how long they were", () => {
    expect(keyText({ utf8: 'a"b' })).toBe('"a\\"b"')
    expect(keyText({ hex: "00ff" })).toBe("0x00ff")
    expect(keyText({ utf8: "k".repeat(100) })).toBe(`"${"k".repeat(47)}…(100 bytes)`)
    expect(keyText({ hex: "ab".repeat(100) })).toBe(`0x${"ab".repeat(23)}…(100 bytes)`)
  })
})
