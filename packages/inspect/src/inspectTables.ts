/**
 * The live tables of a replayed MANIFEST, checked against the folder: does each file exist
 * with the size the MANIFEST recorded, and can every block be read (CRCs checked)? Counts
 * the point entries by reading the whole table, since a LevelDB table records no count.
 *
 * Uncompressed and Snappy blocks are read alike (LevelDB's default folders). A table that is
 * missing, truncated, corrupt or zstd-compressed is reported with its error; it never stops
 * the report.
 *
 * Read-only (Table opens its file with "r"). Synchronous.
 */
import * as path from "node:path"
import { Table } from "@writepath/table"
import type { FileMetaData } from "@writepath/version"
import type { LevelReport, TableReport } from "./InspectReport.ts"
import type { FolderListing } from "./listFolder.ts"
import { internalKey } from "./printableKey.ts"

/** Blocks are read once each, in order: a cache would only hold memory. One block fits. */
const BLOCK_CACHE_BYTES = 64 * 1024

const readTable = (file: string): Pick<TableReport, "entries" | "rangeTombstones" | "error"> => {
  let table: Table | undefined
  try {
    table = Table.open(file, { blockCacheBytes: BLOCK_CACHE_BYTES, verifyChecksums: true })
    let entries = 0
    for (const _ of table.newIterator()) entries++
    return { entries, rangeTombstones: table.rangeTombstones().length, error: null }
  } catch (e) {
    return { entries: null, rangeTombstones: null, error: e instanceof Error ? e.message : String(e) }
  } finally {
    table?.close()
  }
}

const tableReport = (listing: FolderListing, level: number, f: FileMetaData): TableReport => {
  const name = listing.tables.get(f.number) ?? null
  const base = {
    level,
    number: f.number,
    name,
    size: f.fileSize,
    smallest: internalKey(f.smallest),
    largest: internalKey(f.largest),
  }
  if (name === null) {
    const expected = `${String(f.number).padStart(6, "0")}.ldb`
    return { ...base, sizeOnDisk: null, entries: null, rangeTombstones: null, error: `${expected} (or .sst) does not exist` }
  }
  const sizeOnDisk = listing.sizes.get(name) ?? null
  const read = readTable(path.join(listing.dir, name))
  // A size mismatch is reported even when the table parses: recovery would not notice, a
  // LevelDB read through its table cache would (it opens the table with the recorded size).
  const sizeError = sizeOnDisk !== f.fileSize ? `size on disk ${sizeOnDisk} differs from the MANIFEST's ${f.fileSize}` : null
  return { ...base, sizeOnDisk, ...read, error: read.error ?? sizeError }
}

/** The 7 levels, each with its files (in the MANIFEST replay's order) and totals. */
export const inspectTables = (listing: FolderListing, files: ReadonlyArray<ReadonlyArray<FileMetaData>>): LevelReport[] =>
  files.map((levelFiles, level) => {
    const reports = levelFiles.map((f) => tableReport(listing, level, f))
    return { level, files: reports, fileCount: reports.length, bytes: reports.reduce((n, t) => n + t.size, 0) }
  })
