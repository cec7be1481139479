/**
 * The skiplist itself: lost link races replayed deterministically through the
 * after-splice seam (what threads do to each other in insertConcurrently), heights,
 * and sortedness at every level.
 */
import { describe, expect, it } from "vitest"
import { Arena, ArenaShard, H_CAS_RETRIES, H_TABLE_HEIGHT, TABLE_HEAD } from "../src/internal/arena.ts"
import { InlineSkipList } from "../src/internal/inlineSkipList.ts"
import { allocateNode } from "../src/internal/node.ts"
import { xorshift32 } from "../src/internal/random.ts"
import { MemTable } from "../src/MemTable.ts"

const enc = new TextEncoder()
const dec = new TextDecoder()
const always = (n: number) => () => n // 0 -> max height, 1 -> height 1 (branching 4)

/** Two list objects over one arena: two "threads" on one thread. */
const pair = (maxHeight = 12) => {
  const buffer = MemTable.make({ maxHeight, writeBufferSize: 1 << 20 }).handle.buffer
  const arena = new Arena(buffer)
  const a = new InlineSkipList(arena, TABLE_HEAD, H_TABLE_HEIGHT, xorshift32(1))
  const b = new InlineSkipList(arena, TABLE_HEAD, H_TABLE_HEIGHT, xorshift32(2))
  const node = (key: string, seq: number, height: number) => allocateNode(arena, arena, height, seq, 1, enc.encode(key), new Uint8Array(0))
  const keys = (list: InlineSkipList, level = 0) => {
    const out: string[] = []
    for (let x = list.nextOf(list.head, level); x !== 0; x = list.nextOf(x, level)) {
      const o = list.keyOffset(x)
      out.push(dec.decode(arena.u8.subarray(o, o + list.keyLength(x))))
    }
    return out
  }
  return { arena, a, b, node, keys, retries: () => Atomics.load(arena.i32, H_CAS_RETRIES) }
}

describe("InlineSkipList.insertConcurrently, races replayed", () => {
  it("a node linked between splice and CAS makes the CAS fail at every shared level; the retry links after it", () => {
    const { a, b, node, keys, retries } = pair()
    expect(a.insertConcurrently(node("a", 1, 4), 4)).toBe(true)
    expect(a.insertConcurrently(node("z", 1, 4), 4)).toBe(true)
    const m = node("m", 1, 4)
    a.afterSpliceForTest = () => {
      a.afterSpliceForTest = undefined
      // "Another thread" links n (taller than m) in the bracket a < m < z at every level.
      expect(b.insertConcurrently(node("n", 1, 6), 6)).toBe(true)
    }
    expect(a.insertConcurrently(m, 4)).toBe(true)
    expect(retries()).toBe(4) // one lost CAS per level m shares with n
    expect(keys(a)).toEqual(["a", "m", "n", "z"])
    for (let level = 1; level < 4; level++) expect(keys(a, level)).toEqual(["a", "m", "n", "z"])
    expect(keys(a, 4)).toEqual(["n"])
    expect(a.checkInvariants()).toEqual([4, 4, 4, 4, 1, 1])
  })

  it("a racer that lands before the key moves the splice forward", () => {
    const { a, b, node, keys, retries } = pair()
    const m = node("m", 1, 1)
    a.afterSpliceForTest = () => {
      a.afterSpliceForTest = undefined
      b.insertConcurrently(node("c", 1, 1), 1)
      b.insertConcurrently(node("k", 1, 1), 1)
    }
    expect(a.insertConcurrently(m, 1)).toBe(true)
    expect(retries()).toBe(1)
    expect(keys(a)).toEqual(["c", "k", "m"])
  })

  it("the same key+seq linked by a racer is detected after the failed CAS, and nothing is linked twice", () => {
    const { a, b, node, keys } = pair()
    a.insertConcurrently(node("a", 1, 2), 2)
    a.afterSpliceForTest = () => {
      a.afterSpliceForTest = undefined
      expect(b.insertConcurrently(node("k", 7, 3), 3)).toBe(true)
    }
    expect(a.insertConcurrently(node("k", 7, 3), 3)).toBe(false)
    expect(keys(a)).toEqual(["a", "k"])
    expect(a.checkInvariants()).toEqual([2, 2, 1])
    // An equal key with another sequence is a different entry and links fine.
    expect(b.insertConcurrently(node("k", 8, 1), 1)).toBe(true)
    expect(b.insertConcurrently(node("k", 6, 1), 1)).toBe(true)
    expect(a.checkInvariants()[0]).toBe(4)
  })

  it("the list height is raised by whoever is taller, never lowered", () => {
    const { a, b, node } = pair()
    a.afterSpliceForTest = () => {
      a.afterSpliceForTest = undefined
      b.insertConcurrently(node("b", 1, 9), 9)
    }
    a.insertConcurrently(node("a", 1, 5), 5)
    expect(a.height).toBe(9)
    a.insertConcurrently(node("c", 1, 2), 2)
    expect(b.height).toBe(9)
    a.checkInvariants()
  })
})

describe("InlineSkipList heights and order", () => {
  it("heights follow branching 4 from a seeded source, capped at kMaxHeight", () => {
    const buffer = MemTable.make({ writeBufferSize: 1 << 20 }).handle.buffer
    const list = new InlineSkipList(new Arena(buffer), TABLE_HEAD, H_TABLE_HEIGHT, xorshift32(42))
    const counts = new Array<number>(13).fill(0)
    const n = 400_000
    for (let i = 0; i < n; i++) counts[list.randomHeight()]!++
    expect(counts[0]).toBe(0)
    for (let h = 1; h <= 6; h++) {
      const expected = n * 0.75 * 0.25 ** (h - 1)
      expect(Math.abs(counts[h]! - expected) / expected).toBeLessThan(0.1)
    }
    const list2 = new InlineSkipList(new Arena(buffer), TABLE_HEAD, H_TABLE_HEIGHT, always(0))
    expect(list2.randomHeight()).toBe(12)
    const list3 = new InlineSkipList(new Arena(buffer), TABLE_HEAD, H_TABLE_HEIGHT, always(1))
    expect(list3.randomHeight()).toBe(1)
  })

  it("random inserts through both paths stay sorted and nested at every level", () => {
    const { a, b, node, keys } = pair()
    const rnd = xorshift32(5)
    const inserted = new Set<string>()
    for (let i = 0; i < 5000; i++) {
      const k = `k${rnd() % 3000}`
      const h = a.randomHeight()
      const ok = (i % 2 === 0 ? a : b)[i % 3 === 0 ? "insert" : "insertConcurrently"](node(k, 1, h), h)
      expect(ok).toBe(!inserted.has(k))
      inserted.add(k)
    }
    expect(keys(a)).toEqual([...inserted].sort())
    const levels = a.checkInvariants()
    expect(levels[0]).toBe(inserted.size)
    for (let i = 1; i < levels.length; i++) expect(levels[i]).toBeLessThanOrEqual(levels[i - 1]!)
  })
})

describe("InlineSkipList.insert hint (RocksDB's seq_splice_)", () => {
  const k = (i: number) => `k${String(i).padStart(6, "0")}`

  it("ascending inserts follow the hint; a key before it, an equal key and a stale hint fall back correctly", () => {
    const { a, b, node, keys } = pair()
    for (let i = 10; i < 2000; i += 2) {
      const h = a.randomHeight()
      expect(a.insert(node(k(i), 1, h), h)).toBe(true)
    }
    // Another writer (another thread's object, a serialized writer) links nodes right
    // after a's hint: a's next insert must see them (fresh successor loads).
    for (let i = 2001; i < 2100; i += 2) expect(b.insert(node(k(i), 1, 3), 3)).toBe(true)
    expect(a.insert(node(k(2050), 1, 2), 2)).toBe(true)
    expect(a.insert(node(k(2000), 1, 4), 4)).toBe(true) // just after the hint's old successor run
    expect(a.insert(node(k(12), 1, 1), 1)).toBe(false) // equal internal key, before the hint
    expect(a.insert(node(k(2050), 1, 1), 1)).toBe(false) // equal internal key at the hint itself
    expect(a.insert(node(k(2050), 2, 1), 1)).toBe(true) // newer sequence sorts before: fallback
    expect(a.insert(node(k(5), 1, 5), 5)).toBe(true) // before everything
    const all = keys(a)
    expect(all).toEqual([...all].sort())
    expect(all.length).toBe(995 + 50 + 4)
    a.checkInvariants()
  })

  it("random heights, ascending and random keys mixed over two objects keep every level sorted and nested", () => {
    const { a, b, node, keys } = pair()
    const rnd = xorshift32(77)
    const inserted = new Set<string>()
    for (let i = 0; i < 6000; i++) {
      const key = i % 3 === 0 ? k(rnd() % 100000) : k(200000 + i)
      const list = i % 500 < 250 ? a : b
      const h = list.randomHeight()
      expect(list.insert(node(key, 1, h), h)).toBe(!inserted.has(key))
      inserted.add(key)
    }
    expect(keys(a)).toEqual([...inserted].sort())
    expect(a.checkInvariants()[0]).toBe(inserted.size)
  })
})

describe("ArenaShard (ConcurrentArena shards)", () => {
  it("two shards hand out disjoint ranges inside the arena and use its last bytes", () => {
    const arena = new Arena(MemTable.make({ writeBufferSize: 64 * 1024 }).handle.buffer)
    const shards = [new ArenaShard(arena, 1024), new ArenaShard(arena, 1024)]
    const rnd = xorshift32(9)
    const ranges: [number, number][] = []
    let failures = 0
    for (let i = 0; failures < 50; i++) {
      const bytes = 4 * (1 + (rnd() % 100)) // up to 400 B: both shard and direct allocations
      const at = shards[i % 2]!.allocate(bytes)
      if (at < 0) failures++
      else ranges.push([at, at + bytes])
    }
    ranges.sort((a, b) => a[0] - b[0])
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1])
    expect(ranges.at(-1)![1]).toBeLessThanOrEqual(arena.capacity)
    expect(arena.capacity - arena.allocatedBytes).toBeLessThan(400)
  })
})
