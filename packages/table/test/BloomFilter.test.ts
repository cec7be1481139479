/**
 * LevelDB's hash (golden values from util/hash_test.cc) and bloom filter: no false negatives,
 * a false-positive rate near 1% at 10 bits per key (LevelDB's bloom_test accepts <= 2%), and
 * the filter block's per-2-KiB layout.
 */
import { describe, expect, it } from "vitest"
import { BloomFilter, FilterBlockBuilder, FilterBlockReader } from "../src/index.ts"

const key = (i: number): Uint8Array => {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, i, true)
  return b
}

describe("LevelDB Hash", () => {
  it("matches hash_test.cc (SignedUnsignedIssue)", () => {
    const seed = 0xbc9f1d34
    expect(BloomFilter.hash(new Uint8Array(0), seed)).toBe(0xbc9f1d34)
    expect(BloomFilter.hash(Uint8Array.of(0x62), seed)).toBe(0xef1345c4)
    expect(BloomFilter.hash(Uint8Array.of(0xc3, 0x97), seed)).toBe(0x5b663814)
    expect(BloomFilter.hash(Uint8Array.of(0xe2, 0x99, 0xa5), seed)).toBe(0x323c078f)
    expect(BloomFilter.hash(Uint8Array.of(0xe1, 0x80, 0xb9, 0x32), seed)).toBe(0xed21633a)
    const data5 = Uint8Array.from([
      0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00,
    ])
    expect(BloomFilter.hash(data5, 0x12345678)).toBe(0xf333dabb)
  })
})

describe("bloom filter", () => {
  it("an empty filter matches nothing; a small one has 64 bits and k = 6", () => {
    const f = BloomFilter.createFilter([])
    expect(f.length).toBe(9)
    expect(f[8]).toBe(6)
    expect(BloomFilter.keyMayMatch(key(1), f)).toBe(false)
    const g = BloomFilter.createFilter([new TextEncoder().encode("hello"), new TextEncoder().encode("world")])
    expect(BloomFilter.keyMayMatch(new TextEncoder().encode("hello"), g)).toBe(true)
    expect(BloomFilter.keyMayMatch(new TextEncoder().encode("world"), g)).toBe(true)
  })

  it("has no false negatives and about 1% false positives at 10 bits per key", () => {
    for (const n of [100, 1000, 10_000]) {
      const keys = Array.from({ length: n }, (_, i) => key(i))
      const f = BloomFilter.createFilter(keys, 10)
      expect(f.length).toBe(Math.ceil(Math.max(n * 10, 64) / 8) + 1)
      for (const k of keys) expect(BloomFilter.keyMayMatch(k, f)).toBe(true)
      let fp = 0
      const probes = 10_000
      for (let i = 0; i < probes; i++) if (BloomFilter.keyMayMatch(key(1_000_000_000 + i), f)) fp++
      const rate = fp / probes
      expect(rate).toBeLessThan(0.02)
      if (n >= 1000) expect(rate).toBeGreaterThan(0.003)
    }
  })

  it("a reserved k (> 30) matches everything; a too-short filter nothing", () => {
    expect(BloomFilter.keyMayMatch(key(1), Uint8Array.of(0, 0, 31))).toBe(true)
    expect(BloomFilter.keyMayMatch(key(1), Uint8Array.of(0))).toBe(false)
  })
})

describe("filter block", () => {
  it("an empty filter block is the offset array start and base lg 11", () => {
    expect([...new FilterBlockBuilder().finish()]).toEqual([0, 0, 0, 0, 11])
  })

  it("keeps one filter per 2 KiB of block offsets (filter_block_test MultiChunk)", () => {
    const b = new FilterBlockBuilder()
    const te = new TextEncoder()
    b.startBlock(0)
    b.addKey(te.encode("foo"))
    b.startBlock(2000)
    b.addKey(te.encode("bar"))
    b.startBlock(3100)
    b.addKey(te.encode("box"))
    b.startBlock(9000)
    b.addKey(te.encode("box"))
    b.addKey(te.encode("hello"))
    const r = new FilterBlockReader(b.finish().slice())
    expect(r.keyMayMatch(0, te.encode("foo"))).toBe(true)
    expect(r.keyMayMatch(2000, te.encode("bar"))).toBe(true)
    expect(r.keyMayMatch(0, te.encode("box"))).toBe(false)
    expect(r.keyMayMatch(3100, te.encode("box"))).toBe(true)
    expect(r.keyMayMatch(3100, te.encode("foo"))).toBe(false)
    expect(r.keyMayMatch(4100, te.encode("foo"))).toBe(false) // empty filter: matches nothing
    expect(r.keyMayMatch(9000, te.encode("hello"))).toBe(true)
    expect(r.keyMayMatch(9000, te.encode("foo"))).toBe(false)
  })
})
