/**
 * The report of `db inspect`: what a database folder holds, as one JSON document. The zod
 * schema is the contract of `--json` (the CLI validates every report against it before
 * printing); the TypeScript types are inferred from it so code and contract cannot drift.
 *
 * Conventions: numbers are JSON numbers (file numbers, sizes, sequences: all below 2^53 in
 * any folder writepath or LevelDB writes); a value that could not be learned is `null`, never
 * a missing key, so every report has the same shape; keys are `{ utf8 }` when every byte is
 * printable ASCII, else `{ hex }`.
 *
 * Only the CLI and tests import this module at run time: `inspectFolder` imports its types
 * only, so the engine's package index does not load zod.
 */
import { z } from "zod"

const count = z.number().int().nonnegative()

/** Bytes as text: `{ utf8 }` for printable ASCII (0x20..0x7e), else `{ hex }` (lower case). */
export const PrintableKey = z.union([z.strictObject({ utf8: z.string() }), z.strictObject({ hex: z.string().regex(/^(?:[0-9a-f]{2})*$/) })])
export type PrintableKey = z.infer<typeof PrintableKey>

/**
 * An internal key (user key | fixed64 LE (sequence << 8 | type)). A MANIFEST can record a
 * key shorter than its 8-byte trailer (LevelDB only checks it is non-empty): such a key is
 * shown whole, as `invalid`.
 */
export const InternalKey = z.union([
  z.strictObject({
    user: PrintableKey,
    sequence: count,
    type: z.number().int().min(0).max(255),
    /** "Put", "Delete", "SingleDelete", "Merge", "DeleteRange", or "type N". */
    typeName: z.string(),
  }),
  z.strictObject({ invalid: PrintableKey }),
])
export type InternalKey = z.infer<typeof InternalKey>

const level = z.number().int().min(0).max(6)

/** One MANIFEST record, decoded; a field is present only if the record holds it. */
export const ManifestEdit = z.strictObject({
  /** File offset of the record's first fragment. */
  offset: count,
  comparator: z.string().optional(),
  logNumber: count.optional(),
  prevLogNumber: count.optional(),
  nextFileNumber: count.optional(),
  lastSequence: count.optional(),
  compactPointers: z.array(z.strictObject({ level, key: InternalKey })).optional(),
  deletedFiles: z.array(z.strictObject({ level, number: count })).optional(),
  newFiles: z.array(z.strictObject({ level, number: count, size: count, smallest: InternalKey, largest: InternalKey })).optional(),
})
export type ManifestEdit = z.infer<typeof ManifestEdit>

/** The MANIFEST CURRENT names, replayed: its final counters, and with --verbose every edit. */
export const ManifestReport = z.strictObject({
  name: z.string(),
  size: count,
  comparator: z.string(),
  /** WALs numbered below it (except `prevLogNumber`) hold nothing that is not in tables. */
  logNumber: count,
  prevLogNumber: count,
  nextFileNumber: count,
  lastSequence: count,
  editCount: count,
  /** Per-level compaction cursors left by LevelDB's compactions. */
  compactPointers: z.array(z.strictObject({ level, key: InternalKey })),
  /** Every edit in file order; only with --verbose. */
  edits: z.array(ManifestEdit).optional(),
})
export type ManifestReport = z.infer<typeof ManifestReport>

/** A live table: what the MANIFEST records, and what the file on disk says. */
export const TableReport = z.strictObject({
  level,
  number: count,
  /** The file found: NNNNNN.ldb, else LevelDB's older NNNNNN.sst; null when neither exists. */
  name: z.string().nullable(),
  /** Size recorded in the MANIFEST. */
  size: count,
  smallest: InternalKey,
  largest: InternalKey,
  /** Size on disk (null when missing); the table is healthy only when it equals `size`. */
  sizeOnDisk: count.nullable(),
  /** Point entries (every version and tombstone), by reading the whole table; null if it could not be read. */
  entries: count.nullable(),
  /** Range tombstones in writepath's "rocksdb.range_del" block. */
  rangeTombstones: count.nullable(),
  /** Why the table could not be read (missing, corrupt, zstd-compressed), else null. */
  error: z.string().nullable(),
})
export type TableReport = z.infer<typeof TableReport>

export const LevelReport = z.strictObject({
  level,
  /** Level 0 newest first (the order reads search it); levels >= 1 by smallest key. */
  files: z.array(TableReport),
  fileCount: count,
  bytes: count,
})
export type LevelReport = z.infer<typeof LevelReport>

/** A region a point-in-time read of a WAL reports, with RocksDB's reason (a torn last write is "truncated record body"). */
export const WalCorruptionReport = z.strictObject({ offset: count, bytes: count, reason: z.string() })
export type WalCorruptionReport = z.infer<typeof WalCorruptionReport>

export const WalReport = z.strictObject({
  number: count,
  name: z.string(),
  size: count,
  /** WriteBatch records read. */
  records: count,
  /** Sequence-consuming operations (the batches' counts). */
  entries: count,
  /** First and last sequence the records use; null when no record consumes one. */
  firstSequence: count.nullable(),
  lastSequence: count.nullable(),
  /** Numbered below the MANIFEST's log number (and not its prev log): recovery skips it. */
  obsolete: z.boolean(),
  corruptions: z.array(WalCorruptionReport),
  /** Why the WAL could not be read at all (unreadable, compressed), else null. */
  error: z.string().nullable(),
})
export type WalReport = z.infer<typeof WalReport>

/** A file recovery would not use: a table the MANIFEST does not list, a temp file, an older MANIFEST. */
export const OrphanReport = z.strictObject({ name: z.string(), kind: z.enum(["table", "temp", "manifest"]), size: count })
export type OrphanReport = z.infer<typeof OrphanReport>

export const InspectReport = z.strictObject({
  /** The folder, as an absolute path. */
  folder: z.string(),
  /** IDENTITY's contents without the trailing newline (writepath and RocksDB write one; LevelDB does not). */
  identity: z.string().nullable(),
  /** Whether a LOCK file exists. Not whether a process holds it: finding out would mean taking it. */
  lockPresent: z.boolean(),
  /** The MANIFEST name CURRENT holds; null without CURRENT (a writepath folder with only WALs). */
  current: z.string().nullable(),
  manifest: ManifestReport.nullable(),
  /** Always 7 levels, empty ones included. */
  levels: z.array(LevelReport).length(7),
  /** Over every live table; `entries` is null when some table could not be read. */
  totals: z.strictObject({ files: count, bytes: count, entries: count.nullable() }),
  /** Every NNNNNN.log, ascending. */
  wals: z.array(WalReport),
  orphans: z.array(OrphanReport),
})
export type InspectReport = z.infer<typeof InspectReport>
