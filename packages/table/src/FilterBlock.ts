/**
 * The filter block (`table/filter_block.cc`): one bloom filter per 2 KiB (2^11 bytes) range
 * of data-block offsets, so a lookup that knows its data block's offset finds its filter
 * without an index.
 *
 *   filter block := filter[0] ... filter[n-1]
 *                   | fixed32 offset_of(filter[i]) for i < n
 *                   | fixed32 offset of that offset array | byte base_lg (11)
 *
 * Filter i covers the data blocks starting in [i * 2048, (i + 1) * 2048). A range with no
 * block start gets an empty filter (start == limit), which matches nothing.
 *
 * FilterBlockBuilder owns: the user-key hashes of the blocks started since the last filter,
 * the filters built so far, and their offsets.
 * Invariants: 1. `startBlock` offsets never decrease; 2. after `finish()` nothing is added.
 * Synchronous; nothing yields.
 */
import { bloomHash, createFilterAt, filterSize, hashMayMatch } from "./BloomFilter.ts"
import { getFixed32, putFixed32At } from "./internal/coding.ts"

export const kFilterBaseLg = 11
const kFilterBase = 1 << kFilterBaseLg

export class FilterBlockBuilder {
  private readonly bitsPerKey: number
  private hashes: number[] = []
  private result = new Uint8Array(4096)
  private len = 0
  private readonly filterOffsets: number[] = []

  constructor(bitsPerKey = 10) {
    this.bitsPerKey = bitsPerKey
  }

  /** A data block starts at `blockOffset`: emit filters for every 2 KiB range before it. */
  startBlock(blockOffset: number): void {
    const filterIndex = Math.floor(blockOffset / kFilterBase)
    if (filterIndex < this.filterOffsets.length) throw new RangeError("FilterBlockBuilder.startBlock: offsets must not decrease")
    while (filterIndex > this.filterOffsets.length) this.generateFilter()
  }

  /** Adds a user key (for internal keys pass the key without its 8-byte trailer). */
  addKey(userKey: Uint8Array, start = 0, end: number = userKey.length): void {
    this.hashes.push(bloomHash(userKey, start, end))
  }

  finish(): Uint8Array {
    if (this.hashes.length > 0) this.generateFilter()
    const arrayOffset = this.len
    this.reserve(this.filterOffsets.length * 4 + 5)
    for (const o of this.filterOffsets) {
      putFixed32At(this.result, this.len, o)
      this.len += 4
    }
    putFixed32At(this.result, this.len, arrayOffset)
    this.result[this.len + 4] = kFilterBaseLg
    this.len += 5
    return this.result.subarray(0, this.len)
  }

  private generateFilter(): void {
    const n = this.hashes.length
    this.filterOffsets.push(this.len)
    if (n === 0) return
    const size = filterSize(n, this.bitsPerKey)
    this.reserve(size)
    this.result.fill(0, this.len, this.len + size)
    this.len = createFilterAt(this.hashes, n, this.bitsPerKey, this.result, this.len)
    this.hashes = []
  }

  private reserve(n: number): void {
    if (this.len + n <= this.result.length) return
    const grown = new Uint8Array(Math.max(this.result.length * 2, this.len + n))
    grown.set(this.result.subarray(0, this.len))
    this.result = grown
  }
}

/** Reads a filter block; malformed contents match everything (LevelDB: "errors are treated as potential matches"). */
export class FilterBlockReader {
  private readonly data: Uint8Array
  private readonly offsetArray: number
  private readonly num: number
  private readonly baseLg: number

  constructor(contents: Uint8Array) {
    this.data = contents
    const n = contents.length
    this.baseLg = n >= 5 ? contents[n - 1]! : 0
    const last = n >= 5 ? getFixed32(contents, n - 5) : 0
    if (n < 5 || last > n - 5) {
      this.offsetArray = 0
      this.num = 0
      return
    }
    this.offsetArray = last
    this.num = Math.floor((n - 5 - last) / 4)
  }

  /** May the user key whose hash is `h` be in the data block starting at `blockOffset`? */
  hashMayMatch(blockOffset: number, h: number): boolean {
    const index = Math.floor(blockOffset / 2 ** this.baseLg)
    if (index < this.num) {
      const start = getFixed32(this.data, this.offsetArray + index * 4)
      const limit = getFixed32(this.data, this.offsetArray + index * 4 + 4)
      if (start <= limit && limit <= this.offsetArray) return hashMayMatch(h, this.data, start, limit)
      if (start === limit) return false
    }
    return true
  }

  keyMayMatch(blockOffset: number, userKey: Uint8Array): boolean {
    return this.hashMayMatch(blockOffset, bloomHash(userKey))
  }
}
