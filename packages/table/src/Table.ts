/**
 * Table: reads a LevelDB table file (`table/table.cc`): footer, index block, bloom filter
 * block and (writepath's) range tombstone block are read at open; data blocks on demand
 * through a per-table LRU block cache. Point lookups consult the filter before touching a
 * data block.
 *
 * Owns: the TableFile (descriptor), the index Block, the filter reader, the range
 * tombstones, the block cache.
 * Invariants:
 *  1. Every block handed out passed its CRC check (unless `verifyChecksums: false`) and its
 *     restart array parsed; a failure is a TableCorruption naming the file and block offset.
 *  2. The index, filter and tombstones are immutable after open; only the cache changes.
 *  3. After `close()` no read touches the descriptor (reads throw IOError).
 * Synchronous (positional readSync): nothing yields, so a Table may be shared freely within
 * one isolate.
 */
import type { Deleted, Found, NotFound } from "@writepath/memtable"
import type { IOError } from "@writepath/wal"
import { Effect, type Scope } from "effect"
import { Block } from "./Block.ts"
import { bloomHash } from "./BloomFilter.ts"
import { FilterBlockReader } from "./FilterBlock.ts"
import { BlockCache } from "./internal/blockCache.ts"
import { compareBytes, compareInternal, putTrailerAt, trailerSequenceAt } from "./internal/coding.ts"
import { TableFile } from "./internal/tableFile.ts"
import { TableCorruption, type TableNotSupported } from "./TableError.ts"
import { type BlockHandle, decodeBlockHandle, decodeFooter, kFilterMetaKey, kFooterSize, kRangeDelMetaKey } from "./TableFormat.ts"
import { TableIterator } from "./TableIterator.ts"

export interface TableOptions {
  /** Bytes of decoded data blocks kept per table. Default 8 MiB. */
  readonly blockCacheBytes?: number
  /** Check every block's CRC32C when it is read (LevelDB's `verify_checksums`/`paranoid_checks`). Default true. */
  readonly verifyChecksums?: boolean
}

/** A range tombstone [begin, end) at `sequence`, from the "rocksdb.range_del" block. */
export interface RangeTombstone {
  readonly begin: Uint8Array
  readonly end: Uint8Array
  readonly sequence: number
}

export type TableGetResult = Found | Deleted | NotFound

const NOT_FOUND: NotFound = Object.freeze({ _tag: "NotFound" })
const textDecoder = new TextDecoder()
const SEEK_TYPE = 0xff

export class Table {
  readonly path: string
  readonly fileSize: number
  /** @internal */ readonly file: TableFile
  /** @internal */ readonly index: Block
  /** @internal */ readonly indexHandle: BlockHandle
  /** @internal */ readonly verify: boolean
  private readonly filter: FilterBlockReader | undefined
  private readonly tombstones: ReadonlyArray<RangeTombstone>
  private readonly cache: BlockCache
  private target = new Uint8Array(64)

  /** Opens and checks the footer, index, filter and range-del blocks. Throws TableCorruption, TableNotSupported, IOError. */
  static open(path: string, options: TableOptions = {}): Table {
    const file = new TableFile(path)
    try {
      return new Table(file, options)
    } catch (e) {
      file.close()
      throw e
    }
  }

  /** `open` as a scoped Effect: the table is closed with the scope. */
  static openScoped(
    path: string,
    options: TableOptions = {},
  ): Effect.Effect<Table, TableCorruption | TableNotSupported | IOError, Scope.Scope> {
    return Effect.acquireRelease(
      Effect.try({ try: () => Table.open(path, options), catch: (e) => e as TableCorruption | TableNotSupported | IOError }),
      (t) => Effect.sync(() => t.close()),
    )
  }

  private constructor(file: TableFile, options: TableOptions) {
    this.path = file.path
    this.file = file
    this.fileSize = file.size
    this.verify = options.verifyChecksums ?? true
    this.cache = new BlockCache(options.blockCacheBytes ?? 8 * 1024 * 1024)
    if (file.size < kFooterSize) {
      throw new TableCorruption({ path: file.path, offset: 0, reason: "file is too short to be an sstable" })
    }
    const footerAt = file.size - kFooterSize
    const footer = decodeFooter(file.read(footerAt, kFooterSize, "footer"))
    if (typeof footer === "string") throw new TableCorruption({ path: file.path, offset: footerAt, reason: footer })
    this.indexHandle = footer.index
    this.index = this.parse(footer.index, file.readBlock(footer.index, this.verify, "index block"))
    const meta = this.parse(footer.metaindex, file.readBlock(footer.metaindex, this.verify, "metaindex block"))
    let filter: FilterBlockReader | undefined
    let tombstones: RangeTombstone[] = []
    const it = meta.iterator(compareBytes)
    for (it.seekToFirst(); it.valid(); it.next()) {
      const name = textDecoder.decode(it.key())
      if (name !== kFilterMetaKey && name !== kRangeDelMetaKey) continue
      const h = this.handleAt(footer.metaindex, it.value())
      const contents = file.readBlock(h, this.verify, name)
      if (name === kFilterMetaKey) filter = new FilterBlockReader(contents)
      else tombstones = this.readTombstones(h, contents)
    }
    this.blockCorruption(footer.metaindex, it.corruption)
    this.filter = filter
    this.tombstones = tombstones
  }

  /** Range tombstones stored in this table (sorted by begin key, newest first). */
  rangeTombstones(): ReadonlyArray<RangeTombstone> {
    return this.tombstones
  }

  /** Whether a bloom filter block was found. */
  get hasFilter(): boolean {
    return this.filter !== undefined
  }

  /** Cache counters (for tests and benchmarks). */
  get cacheStats(): { readonly hits: number; readonly misses: number; readonly bytes: number } {
    return { hits: this.cache.hits, misses: this.cache.misses, bytes: this.cache.size }
  }

  /**
   * The newest entry for `userKey` with sequence <= `snapshot` (`InternalGet`): Found with
   * a copy of the value, Deleted (a point deletion, or a range tombstone of this table newer
   * than the point entry), or NotFound. Throws TableCorruption / IOError.
   */
  get(userKey: Uint8Array, snapshot: number = Number.MAX_SAFE_INTEGER): TableGetResult {
    const point = this.getPoint(userKey, snapshot)
    if (this.tombstones.length === 0) return point
    const pointSeq = point._tag === "NotFound" ? -1 : point.sequence
    let best = -1
    for (const t of this.tombstones) {
      if (t.sequence > snapshot || t.sequence <= pointSeq || t.sequence <= best) continue
      if (
        compareBytes(t.begin, 0, t.begin.length, userKey, 0, userKey.length) <= 0 &&
        compareBytes(userKey, 0, userKey.length, t.end, 0, t.end.length) < 0
      ) {
        best = t.sequence
      }
    }
    return best >= 0 ? { _tag: "Deleted", sequence: best, byRangeTombstone: true } : point
  }

  /** An iterator over point entries with sequence <= `snapshot`, in internal-key order. */
  newIterator(options: { readonly snapshot?: number } = {}): TableIterator {
    return new TableIterator(this, options.snapshot ?? Number.MAX_SAFE_INTEGER)
  }

  close(): void {
    this.cache.clear()
    this.file.close()
  }

  /** @internal A data block by handle, through the cache. */
  dataBlock(h: BlockHandle): Block {
    const cached = this.cache.get(h.offset)
    if (cached) return cached
    const b = this.parse(h, this.file.readBlock(h, this.verify, "data block"))
    this.cache.set(h.offset, b)
    return b
  }

  /** @internal Decodes an index entry's value. */
  handleAt(where: BlockHandle, value: Uint8Array): BlockHandle {
    const h = decodeBlockHandle(value)
    if (!h) throw new TableCorruption({ path: this.path, offset: where.offset, reason: "bad block handle" })
    return h
  }

  /** @internal Turns a block iterator's corruption into a TableCorruption. */
  blockCorruption(where: BlockHandle, reason: string | undefined): void {
    if (reason !== undefined) throw new TableCorruption({ path: this.path, offset: where.offset, reason })
  }

  private getPoint(userKey: Uint8Array, snapshot: number): TableGetResult {
    const n = userKey.length + 8
    if (this.target.length < n) this.target = new Uint8Array(Math.max(n, this.target.length * 2))
    const target = this.target.subarray(0, n)
    target.set(userKey)
    putTrailerAt(target, userKey.length, snapshot, SEEK_TYPE)
    const ii = this.index.iterator(compareInternal)
    ii.seek(target)
    this.blockCorruption(this.indexHandle, ii.corruption)
    if (!ii.valid()) return NOT_FOUND
    const h = this.handleAt(this.indexHandle, ii.value())
    if (this.filter && !this.filter.hashMayMatch(h.offset, bloomHash(userKey))) return NOT_FOUND
    const bi = this.dataBlock(h).iterator(compareInternal)
    bi.seek(target)
    this.blockCorruption(h, bi.corruption)
    if (!bi.valid()) return NOT_FOUND
    const k = bi.keyBytes()
    const kl = bi.keyLength()
    if (kl < 8) throw new TableCorruption({ path: this.path, offset: h.offset, reason: "internal key shorter than its trailer" })
    if (compareBytes(k, 0, kl - 8, userKey, 0, userKey.length) !== 0) return NOT_FOUND
    const type = k[kl - 8]!
    const sequence = trailerSequenceAt(k, kl - 8)
    if (type === 1) return { _tag: "Found", value: bi.value().slice(), sequence }
    if (type === 0) return { _tag: "Deleted", sequence, byRangeTombstone: false }
    throw new TableCorruption({ path: this.path, offset: h.offset, reason: `unknown entry type ${type}` })
  }

  private parse(h: BlockHandle, contents: Uint8Array): Block {
    const b = Block.parse(contents)
    if (typeof b === "string") throw new TableCorruption({ path: this.path, offset: h.offset, reason: b })
    return b
  }

  private readTombstones(h: BlockHandle, contents: Uint8Array): RangeTombstone[] {
    const out: RangeTombstone[] = []
    const it = this.parse(h, contents).iterator(compareInternal)
    for (it.seekToFirst(); it.valid(); it.next()) {
      const k = it.key()
      if (k.length < 8 || k[k.length - 8] !== 0x0f) {
        throw new TableCorruption({ path: this.path, offset: h.offset, reason: "bad range tombstone key" })
      }
      out.push({ begin: k.slice(0, k.length - 8), end: it.value().slice(), sequence: trailerSequenceAt(k, k.length - 8) })
    }
    this.blockCorruption(h, it.corruption)
    return out
  }
}
