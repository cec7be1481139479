/**
 * Helpers shared by the compaction tests: hand-made version states for picking, level-0 tables
 * written with flushToLevel0, a table cache standing in for the engine's, a compaction loop,
 * and a reader that looks a key up the way LevelDB does (level 0 newest file first, then one
 * file per level by range).
 */
import * as fs from "node:fs"
import { Table, type TableGetResult } from "@writepath/table"
import {
  type CompactionOptions,
  type CompactionResult,
  type FileMetaData,
  flushToLevel0,
  kNumLevels,
  pickCompaction,
  type RunCompactionOptions,
  runCompaction,
  tableFileName,
  type VersionSet,
  type VersionState,
} from "../../src/index.ts"
import { compareInternalKeys, compareUserKeysOf, makeInternalKey } from "../../src/internal/internalKey.ts"

export const te = new TextEncoder()
export const td = new TextDecoder()

/** Internal key of a string user key. */
export const ik = (key: string, seq: number, type = 1): Uint8Array => makeInternalKey(te.encode(key), seq, type)

/** A file spanning user keys [a, b] (newest version of a, oldest of b) of `size` bytes. */
export const file = (number: number, a: string, b: string, size = 1000): FileMetaData => ({
  number,
  fileSize: size,
  smallest: ik(a, 1000),
  largest: ik(b, 1),
})

/** A VersionState holding `levels` (missing levels empty) and compact pointers. */
export const stateOf = (levels: ReadonlyArray<ReadonlyArray<FileMetaData>>, pointers: Record<number, Uint8Array> = {}): VersionState => ({
  comparator: "leveldb.BytewiseComparator",
  logNumber: 0,
  prevLogNumber: 0,
  nextFileNumber: 1000,
  lastSequence: 0,
  files: Array.from({ length: kNumLevels }, (_, l) =>
    [...(levels[l] ?? [])].sort((x, y) => compareInternalKeys(x.smallest, y.smallest) || x.number - y.number),
  ),
  compactPointers: Array.from({ length: kNumLevels }, (_, l) => pointers[l]),
})

export interface Op {
  readonly key: string
  readonly sequence: number
  /** 1 Put, 0 Delete, 0x0F DeleteRange (value = end key). */
  readonly type: number
  readonly value: string
}

/**
 * Writes `ops` as one level-0 table (flushToLevel0: point entries in internal-key order, range
 * deletes materialized over `universe` keys). Returns the new file's number.
 */
export const flushOps = async (
  versions: VersionSet,
  ops: ReadonlyArray<Op>,
  options: { readonly snapshots?: ReadonlyArray<number>; readonly universe?: ReadonlyArray<string> } = {},
): Promise<number | undefined> => {
  const entry = (o: Op) => ({ key: te.encode(o.key), sequence: o.sequence, type: o.type, value: te.encode(o.value) })
  const points = ops
    .filter((o) => o.type !== 0x0f)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : b.sequence - a.sequence))
    .map(entry)
  const ranges = ops.filter((o) => o.type === 0x0f).map(entry)
  const universe = options.universe ?? []
  const r = await flushToLevel0(versions, points, {
    logNumber: versions.newFileNumber(),
    rangeTombstones: ranges,
    ...(options.snapshots ? { snapshots: options.snapshots } : {}),
    coveredKeys: (b, e) => universe.filter((k) => k >= td.decode(b) && k < td.decode(e)).map((k) => te.encode(k)),
    lastSequence: ops.reduce((m, o) => Math.max(m, o.sequence), 0),
  })
  return r.file?.number
}

/** Open tables by number, as an engine's table cache; `drop` closes and deletes obsolete ones. */
export class TableCache {
  private readonly tables = new Map<number, Table>()
  readonly dir: string
  constructor(dir: string) {
    this.dir = dir
  }
  open = (f: FileMetaData): Table => {
    let t = this.tables.get(f.number)
    if (!t) {
      t = Table.open(tableFileName(this.dir, f.number))
      this.tables.set(f.number, t)
    }
    return t
  }
  drop(numbers: ReadonlyArray<number>): void {
    for (const n of numbers) {
      this.tables.get(n)?.close()
      this.tables.delete(n)
      fs.unlinkSync(tableFileName(this.dir, n))
    }
  }
  closeAll(): void {
    for (const t of this.tables.values()) t.close()
    this.tables.clear()
  }
}

/** Runs picked compactions until none is needed; deletes obsolete inputs as an engine would. */
export const compactUntilDone = async (
  versions: VersionSet,
  cache: TableCache,
  options: CompactionOptions,
  run: Omit<RunCompactionOptions, "openTable"> = {},
  after: (r: CompactionResult) => void = () => undefined,
): Promise<CompactionResult[]> => {
  const results: CompactionResult[] = []
  for (let c = pickCompaction(versions.state, options); c; c = pickCompaction(versions.state, options)) {
    if (results.length > 10_000) throw new Error("compaction does not converge")
    const r = await runCompaction(versions, c, { ...run, openTable: cache.open })
    cache.drop(r.obsoleteFiles)
    results.push(r)
    after(r)
  }
  return results
}

const containsKey = (f: FileMetaData, key: Uint8Array): boolean =>
  compareInternalKeys(makeInternalKey(key, 0, 0), f.smallest) >= 0 &&
  compareInternalKeys(f.largest, makeInternalKey(key, 2 ** 53 - 1, 1)) >= 0

/** `Version::Get`: level-0 files newest first, then the one file of each level whose range holds the key. */
export const readKey = (state: VersionState, cache: TableCache, key: string, snapshot = 2 ** 53 - 1): TableGetResult => {
  const k = te.encode(key)
  const l0 = [...state.files[0]!].sort((a, b) => b.number - a.number)
  for (const f of l0) {
    if (!containsKey(f, k)) continue
    const r = cache.open(f).get(k, snapshot)
    if (r._tag !== "NotFound") return r
  }
  for (let level = 1; level < kNumLevels; level++) {
    const f = state.files[level]!.find((g) => containsKey(g, k))
    if (!f) continue
    const r = cache.open(f).get(k, snapshot)
    if (r._tag !== "NotFound") return r
  }
  return { _tag: "NotFound" }
}

/** The value `readKey` finds, or undefined. */
export const readValue = (state: VersionState, cache: TableCache, key: string, snapshot?: number): string | undefined => {
  const r = readKey(state, cache, key, snapshot)
  return r._tag === "Found" ? td.decode(r.value) : undefined
}

/**
 * Throws unless the files of every level >= 1 are sorted and disjoint in internal-key order, and
 * no user key is split between two files (a file may end with a range tombstone's exclusive end
 * sentinel at the next file's first user key).
 */
export const checkLevelsDisjoint = (state: VersionState): void => {
  for (let level = 1; level < kNumLevels; level++) {
    const files = state.files[level]!
    for (let i = 1; i < files.length; i++) {
      const a = files[i - 1]!
      const b = files[i]!
      if (compareInternalKeys(a.largest, b.smallest) >= 0) throw new Error(`level ${level}: files ${a.number} and ${b.number} overlap`)
      const sameUserKey = compareUserKeysOf(a.largest, b.smallest) === 0
      if (sameUserKey && a.largest[a.largest.length - 8] !== 0x0f) {
        throw new Error(`level ${level}: files ${a.number} and ${b.number} split the versions of one user key`)
      }
    }
  }
}

/** Every entry of a table as "key@seq:type", and its range tombstones as "[b,e)@seq". */
export const dumpTable = (dir: string, number: number): { entries: string[]; tombstones: string[] } => {
  const t = Table.open(tableFileName(dir, number))
  try {
    return {
      entries: [...t.newIterator()].map((e) => `${td.decode(e.key)}@${e.sequence}:${e.type}`),
      tombstones: t.rangeTombstones().map((r) => `[${td.decode(r.begin)},${td.decode(r.end)})@${r.sequence}`),
    }
  } finally {
    t.close()
  }
}
