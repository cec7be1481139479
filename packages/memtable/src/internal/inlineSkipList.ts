/**
 * InlineSkipList: RocksDB's arena skiplist (`memtable/inlineskiplist.h`), with nodes,
 * keys and values inline in one SharedArrayBuffer arena and links as Int32 offsets.
 *
 * Node layout (byte offset `x` is the node pointer, 4-byte aligned):
 *
 *   x - 4*height .. x      next[height-1] .. next[0]   (next[i] at Int32 index x/4 - 1 - i)
 *   x + 0                  keyLen     (user key bytes)
 *   x + 4                  valueLen
 *   x + 8                  trailer lo (sequence & 0xffffff) << 8 | type
 *   x + 12                 trailer hi  sequence >> 24
 *   x + 16                 user key, then value
 *
 * This is RocksDB's memtable entry (varint32 internal-key length | user key | fixed64
 * trailer | varint32 value length | value) with the varints widened to aligned
 * words and the trailer moved ahead of the key: comparisons then read the lengths
 * and the trailer as single Int32 loads instead of decoding varints per visited node.
 *
 * Thread safety
 * -------------
 * Shared between threads: the whole arena (SharedArrayBuffer), i.e. the control
 * words, both heads and every node. Each thread has its own InlineSkipList object
 * (views + splice scratch), never shared.
 *
 * Writers: `insert` requires external synchronization (one writer at a time, and no
 * `insertConcurrently` running). `insertConcurrently` may run on any number of threads
 * at once, and concurrently with reads. Readers never block and take no locks; they
 * only need the arena to stay alive, which holding the SharedArrayBuffer guarantees.
 *
 * Invariants:
 *  1. Nodes are never deleted or moved, and arena bytes are never reused: the memtable
 *     is dropped as a whole.
 *  2. A node's key, value, trailer and lengths are written before the node is
 *     published and never change afterwards. Only its next words change.
 *  3. A node is published at level i by exactly one atomic write of prev.next[i]
 *     (`Atomics.store` in `insert`, `Atomics.compareExchange` in `insertConcurrently`),
 *     and every read of a next word that may race with a writer is an `Atomics.load`.
 *     Atomics are sequentially consistent in the JS memory model, so the publishing
 *     write synchronizes-with the load that first sees the node, and everything the
 *     writer wrote before it (invariant 2) happens-before the reader's plain reads of
 *     the node's bytes. This is RocksDB's release-store / acquire-load pair.
 *  4. Levels are linked bottom-up: a node reachable at level i is reachable at every
 *     level below i. Level 0 is the list; upper levels are shortcuts, so a reader that
 *     sees a half-linked node sees a complete node in a correct (if slower) list.
 *  5. Every level is sorted strictly ascending in internal-key order at every instant:
 *     a CAS on prev.next[i] from `next` to `x` succeeds only if prev.next[i] still
 *     equals `next`, and the splice guaranteed prev < x < next when it was computed.
 *  6. No two nodes hold the same internal key (user key + sequence + type): level 0
 *     is checked before each link attempt, and under concurrency a racing equal key
 *     makes the CAS fail, the recomputed splice then finds it (RocksDB's
 *     `TryAgain("key+seq exists")`).
 *  7. The list height (`H_TABLE_HEIGHT`) only grows, raised by CAS before linking.
 *     A reader may see a height whose top levels are still empty (head.next = 0);
 *     that only costs it a comparison-free step down.
 *
 * Accesses that are not atomic, and why that is safe:
 *  - a new node's own next words and its contents (plain writes): nobody can reach
 *    the node before invariant 3's publishing write;
 *  - `insert` reading next words with plain loads: it is the only writer, so every
 *    next word it can reach was written by itself or published before it started.
 */
import { type Arena, H_BRANCHING, H_CAS_RETRIES, H_MAX_HEIGHT, MAX_POSSIBLE_HEIGHT, NODE_HEADER_BYTES } from "./arena.ts"
import type { RandomSource } from "./random.ts"

export class InlineSkipList {
  // ---- constant after construction --------------------------------------
  private readonly u8: Uint8Array
  private readonly i32: Int32Array
  /** Node pointer of this list's head; its next words are below it. */
  readonly head: number
  /** Control word holding this list's current height. */
  private readonly heightWord: number
  readonly kMaxHeight: number
  private readonly kBranching: number
  private readonly random: RandomSource

  /**
   * Test seam: runs inside insertConcurrently after the splice is computed and before
   * the first link, so a test can interleave another insert deterministically.
   */
  afterSpliceForTest: (() => void) | undefined = undefined

  // ---- owned by this thread's object: the splice scratch of the current insert
  private readonly prev: Int32Array
  private readonly next: Int32Array
  /**
   * `insert`'s hint (RocksDB's `seq_splice_` prev links): hint[i] is the head or a node
   * linked at level i, and hint[i] sorts at or before hint[i - 1]. Any linked node is a
   * valid starting point, so the hint stays valid whatever other writers did since.
   */
  private readonly hint: Int32Array

  constructor(arena: Arena, head: number, heightWord: number, random: RandomSource) {
    this.u8 = arena.u8
    this.i32 = arena.i32
    this.head = head
    this.heightWord = heightWord
    this.kMaxHeight = arena.i32[H_MAX_HEIGHT]!
    this.kBranching = arena.i32[H_BRANCHING]!
    this.random = random
    this.prev = new Int32Array(MAX_POSSIBLE_HEIGHT + 1)
    this.next = new Int32Array(MAX_POSSIBLE_HEIGHT + 1)
    this.hint = new Int32Array(MAX_POSSIBLE_HEIGHT + 1).fill(head)
  }

  /** Height for a new node: 1, then +1 with probability 1/kBranching, up to kMaxHeight. */
  randomHeight(): number {
    let h = 1
    while (h < this.kMaxHeight && this.random() % this.kBranching === 0) h++
    return h
  }

  /** Current list height (at least 1: the creator initializes the word to 1). */
  get height(): number {
    return Atomics.load(this.i32, this.heightWord)
  }

  // ---- node accessors (plain reads: node contents are immutable, invariant 2) ----

  keyLength(x: number): number {
    return this.i32[x >> 2]!
  }
  valueLength(x: number): number {
    return this.i32[(x >> 2) + 1]!
  }
  trailerLo(x: number): number {
    return this.i32[(x >> 2) + 2]! >>> 0
  }
  trailerHi(x: number): number {
    return this.i32[(x >> 2) + 3]! >>> 0
  }
  keyOffset(x: number): number {
    return x + NODE_HEADER_BYTES
  }
  /** next[level] of x, acquire (invariant 3). */
  nextOf(x: number, level: number): number {
    return Atomics.load(this.i32, (x >> 2) - 1 - level)
  }

  /**
   * Compares the search key (user key `kb[ko, ko+kl)` + trailer halves `hi`/`lo`, both
   * unsigned) with node x in internal-key order: < 0 when the key sorts before x.
   */
  compare(kb: Uint8Array, ko: number, kl: number, hi: number, lo: number, x: number): number {
    const i32 = this.i32
    const u8 = this.u8
    const w = x >> 2
    const nl = i32[w]!
    const p = x + NODE_HEADER_BYTES
    const n = Math.min(kl, nl)
    for (let i = 0; i < n; i++) {
      const d = kb[ko + i]! - u8[p + i]!
      if (d !== 0) return d
    }
    if (kl !== nl) return kl - nl
    const nhi = i32[w + 3]! >>> 0
    if (hi !== nhi) return hi > nhi ? -1 : 1
    const nlo = i32[w + 2]! >>> 0
    if (lo !== nlo) return lo > nlo ? -1 : 1
    return 0
  }

  /** Node comparison: < 0 when a sorts before b. */
  compareNodes(a: number, b: number): number {
    return this.compare(this.u8, a + NODE_HEADER_BYTES, this.keyLength(a), this.trailerHi(a), this.trailerLo(a), b)
  }

  // ---- reads (any thread, never block) ---------------------------------

  /** First node >= key, or 0 (RocksDB `FindGreaterOrEqual`). */
  findGreaterOrEqual(kb: Uint8Array, ko: number, kl: number, hi: number, lo: number): number {
    const i32 = this.i32
    let x = this.head
    let level = this.height - 1
    // A node already found to be after the key needs no second comparison on the
    // next level down (RocksDB's `last_bigger`).
    let lastBigger = 0
    for (;;) {
      const next = Atomics.load(i32, (x >> 2) - 1 - level)
      const c = next === 0 || next === lastBigger ? -1 : this.compare(kb, ko, kl, hi, lo, next)
      if (c === 0 || (c < 0 && level === 0)) return next
      if (c > 0) {
        x = next
      } else {
        lastBigger = next
        level--
      }
    }
  }

  /** Last node < key, or 0 when there is none (RocksDB `FindLessThan`). */
  findLessThan(kb: Uint8Array, ko: number, kl: number, hi: number, lo: number): number {
    const i32 = this.i32
    let x = this.head
    let level = this.height - 1
    let lastNotAfter = 0
    for (;;) {
      const next = Atomics.load(i32, (x >> 2) - 1 - level)
      if (next !== 0 && next !== lastNotAfter && this.compare(kb, ko, kl, hi, lo, next) > 0) {
        x = next
      } else if (level === 0) {
        return x === this.head ? 0 : x
      } else {
        lastNotAfter = next
        level--
      }
    }
  }

  /** Last node of the list, or 0 when empty (RocksDB `FindLast`). */
  findLast(): number {
    let x = this.head
    let level = this.height - 1
    for (;;) {
      const next = Atomics.load(this.i32, (x >> 2) - 1 - level)
      if (next !== 0) x = next
      else if (level === 0) return x === this.head ? 0 : x
      else level--
    }
  }

  /** The node before x in list order, or 0 (a search: nodes have no back links). */
  prevOf(x: number): number {
    return this.findLessThan(this.u8, x + NODE_HEADER_BYTES, this.keyLength(x), this.trailerHi(x), this.trailerLo(x))
  }

  // ---- writes -------------------------------------------------------------

  /**
   * Links the allocated, fully written node x of the given height. Single writer only.
   * Returns false, linking nothing, when an entry with the same internal key exists.
   *
   * RocksDB's insert hint (`seq_splice_`, pessimistic mode): when x sorts after the
   * previous insert and before that node's successor, the saved splice still brackets x
   * at every level x needs and no top-down search runs, so ascending keys cost O(1)
   * comparisons. Otherwise (random keys) the hint costs one or two comparisons on nodes
   * still in cache and the splice is computed from the head.
   */
  insert(x: number, height: number): boolean {
    const i32 = this.i32
    let maxHeight = i32[this.heightWord]!
    if (height > maxHeight) {
      Atomics.store(i32, this.heightWord, height)
      maxHeight = height
    }
    const ko = x + NODE_HEADER_BYTES
    const kl = i32[x >> 2]!
    const hi = i32[(x >> 2) + 3]! >>> 0
    const lo = i32[(x >> 2) + 2]! >>> 0
    const prev = this.prev
    const next = this.next
    const hint = this.hint
    const head = this.head
    // Plain loads are enough for the only writer (see header).
    let hinted = false
    const h0 = hint[0]!
    if (h0 === head || this.compareArenaKey(ko, kl, hi, lo, h0) > 0) {
      // x sorts after hint[0], hence after every hint[i] (hint invariant below). The
      // hint brackets x at level i when hint[i]'s successor there sorts after x; the
      // successor is loaded fresh, so nodes another writer linked since are seen.
      hinted = true
      for (let level = 0; level < height; level++) {
        const p = hint[level]!
        const n = i32[(p >> 2) - 1 - level]!
        if (n !== 0 && this.compareArenaKey(ko, kl, hi, lo, n) >= 0) {
          hinted = false
          break
        }
        prev[level] = p
        next[level] = n
      }
    }
    if (!hinted) {
      // Splice top-down from the head. A node found to sort after x needs no second
      // comparison on the next level down (RocksDB's `last_bigger`).
      let before = head
      let lastBigger = 0
      for (let level = maxHeight - 1; level >= 0; level--) {
        for (;;) {
          const n = i32[(before >> 2) - 1 - level]!
          if (n === 0 || n === lastBigger || this.compareArenaKey(ko, kl, hi, lo, n) <= 0) {
            prev[level] = before
            next[level] = n
            lastBigger = n
            break
          }
          before = n
        }
      }
      if (next[0] !== 0 && this.compareArenaKey(ko, kl, hi, lo, next[0]!) === 0) return false
      // Hint invariant: hint[i] is the head or a node linked at level i, and hint[i]
      // sorts at or before hint[i - 1]. A top-down splice satisfies both.
      for (let level = height; level < maxHeight; level++) hint[level] = prev[level]!
    }
    for (let i = 0; i < height; i++) {
      i32[(x >> 2) - 1 - i] = next[i]!
      Atomics.store(i32, (prev[i]! >> 2) - 1 - i, x)
      hint[i] = x
    }
    return true
  }

  /**
   * `compare` for a search key that is itself a node's key in the arena (4-byte
   * aligned at `ko`, as every node key is): the common prefix is compared a word at a
   * time, and the first differing word decides by its lowest differing byte (the words
   * are little-endian, so the lowest byte is the first in key order).
   */
  private compareArenaKey(ko: number, kl: number, hi: number, lo: number, x: number): number {
    const i32 = this.i32
    const w = x >> 2
    const nl = i32[w]!
    const n = Math.min(kl, nl)
    let a = ko >> 2
    let b = w + 4
    const end = a + (n >> 2)
    for (; a < end; a++, b++) {
      const p = i32[a]!
      const q = i32[b]!
      if (p !== q) {
        const d = p ^ q
        const shift = (31 - Math.clz32(d & -d)) & 24
        return ((p >>> shift) & 0xff) - ((q >>> shift) & 0xff)
      }
    }
    const rest = n & 3
    if (rest !== 0) {
      // Tail bytes: mask the words to the bytes both keys have.
      const mask = (1 << (rest * 8)) - 1
      const p = i32[a]! & mask
      const q = i32[b]! & mask
      if (p !== q) {
        const d = p ^ q
        const shift = (31 - Math.clz32(d & -d)) & 24
        return ((p >>> shift) & 0xff) - ((q >>> shift) & 0xff)
      }
    }
    if (kl !== nl) return kl - nl
    const nhi = i32[w + 3]! >>> 0
    if (hi !== nhi) return hi > nhi ? -1 : 1
    const nlo = i32[w + 2]! >>> 0
    if (lo !== nlo) return lo > nlo ? -1 : 1
    return 0
  }

  /**
   * Links node x while other threads insert and read (WRITE-PATH.md 2.2): raise the
   * height by CAS, compute the splice top-down, then link bottom-up with one CAS per
   * level, recomputing only that level from prev[i] when the CAS loses a race.
   * Returns false, linking nothing, when an entry with the same internal key exists.
   */
  insertConcurrently(x: number, height: number): boolean {
    const i32 = this.i32
    let maxHeight = Atomics.load(i32, this.heightWord)
    while (height > maxHeight) {
      const seen = Atomics.compareExchange(i32, this.heightWord, maxHeight, height)
      if (seen === maxHeight) {
        maxHeight = height
        break
      }
      maxHeight = seen // someone else raised it; maybe high enough already
    }
    const ko = x + NODE_HEADER_BYTES
    const kl = i32[x >> 2]!
    const hi = i32[(x >> 2) + 3]! >>> 0
    const lo = i32[(x >> 2) + 2]! >>> 0
    const prev = this.prev
    const next = this.next
    let before = this.head
    for (let level = maxHeight - 1; level >= 0; level--) {
      this.findSpliceForLevel(ko, kl, hi, lo, before, level)
      before = prev[level]!
    }
    if (this.afterSpliceForTest !== undefined) this.afterSpliceForTest()
    for (let i = 0; i < height; i++) {
      for (;;) {
        if (i === 0) {
          const n = next[0]!
          if (n !== 0 && this.compare(this.u8, ko, kl, hi, lo, n) >= 0) return false
          const p = prev[0]!
          if (p !== this.head && this.compare(this.u8, ko, kl, hi, lo, p) <= 0) return false
        }
        const expected = next[i]!
        i32[(x >> 2) - 1 - i] = expected
        if (Atomics.compareExchange(i32, (prev[i]! >> 2) - 1 - i, expected, x) === expected) break
        // Lost a race at level i: someone linked a node between prev[i] and next[i].
        // Only this level is stale; walk it again from prev[i], which is still < x.
        Atomics.add(i32, H_CAS_RETRIES, 1)
        this.findSpliceForLevel(ko, kl, hi, lo, prev[i]!, i)
      }
    }
    return true
  }

  /** Sets prev[level]/next[level] to bracket the arena key: prev < key <= next. */
  private findSpliceForLevel(ko: number, kl: number, hi: number, lo: number, before: number, level: number): void {
    const i32 = this.i32
    for (;;) {
      const n = Atomics.load(i32, (before >> 2) - 1 - level)
      if (n === 0 || this.compare(this.u8, ko, kl, hi, lo, n) <= 0) {
        this.prev[level] = before
        this.next[level] = n
        return
      }
      before = n
    }
  }

  // ---- checks ---------------------------------------------------------------

  /**
   * Verifies invariants 4 and 5 on a quiescent or live list: every level strictly
   * ascending, and every level a subsequence of the one below. Returns the node count
   * per level; throws a plain Error (a broken invariant is a defect) otherwise.
   */
  checkInvariants(): number[] {
    const counts: number[] = []
    const height = this.height
    for (let level = 0; level < height; level++) {
      let below = level === 0 ? 0 : this.nextOf(this.head, level - 1)
      let count = 0
      let x = this.nextOf(this.head, level)
      let prevNode = 0
      while (x !== 0) {
        if (prevNode !== 0 && this.compareNodes(prevNode, x) >= 0) {
          throw new Error(`skiplist level ${level} out of order at node ${x}`)
        }
        if (level > 0) {
          while (below !== 0 && below !== x) below = this.nextOf(below, level - 1)
          if (below === 0) throw new Error(`skiplist node ${x} at level ${level} is missing from level ${level - 1}`)
        }
        count++
        prevNode = x
        x = this.nextOf(x, level)
      }
      counts.push(count)
    }
    return counts
  }
}
