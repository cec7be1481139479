/**
 * A small LRU cache of decoded blocks, keyed by block offset, bounded by bytes
 * (LevelDB's block cache, per table here). Map iteration order is insertion order, so
 * re-inserting on a hit makes the first key the least recently used.
 *
 * Owns: the map and the byte count. Invariant: `bytes` = sum of cached blocks' sizes <= capacity
 * (a block larger than the capacity is never cached). Synchronous.
 */
import type { Block } from "../Block.ts"

export class BlockCache {
  private readonly capacity: number
  private readonly map = new Map<number, Block>()
  private bytes = 0
  hits = 0
  misses = 0

  constructor(capacityBytes: number) {
    this.capacity = capacityBytes
  }

  get(offset: number): Block | undefined {
    const b = this.map.get(offset)
    if (b === undefined) {
      this.misses++
      return undefined
    }
    this.hits++
    this.map.delete(offset)
    this.map.set(offset, b)
    return b
  }

  set(offset: number, block: Block): void {
    const size = block.data.length
    if (size > this.capacity) return
    const old = this.map.get(offset)
    if (old) {
      this.bytes -= old.data.length
      this.map.delete(offset)
    }
    this.map.set(offset, block)
    this.bytes += size
    for (const [k, v] of this.map) {
      if (this.bytes <= this.capacity) break
      this.map.delete(k)
      this.bytes -= v.data.length
    }
  }

  get size(): number {
    return this.bytes
  }

  clear(): void {
    this.map.clear()
    this.bytes = 0
  }
}
