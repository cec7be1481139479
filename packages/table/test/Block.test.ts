/**
 * The block layout: golden bytes worked out by hand from doc/table_format.md, and fast-check
 * round trips of BlockBuilder -> Block/BlockIterator (forward, backward, seek) for any sorted
 * key set and any restart interval.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Block, BlockBuilder, decodeBlockHandle, decodeFooter, encodeFooter } from "../src/index.ts"
import { compareBytes } from "../src/internal/coding.ts"

const te = new TextEncoder()
const s = (x: string): number[] => [...te.encode(x)]

const build = (entries: ReadonlyArray<readonly [Uint8Array, Uint8Array]>, interval: number): Uint8Array => {
  const b = new BlockBuilder(interval)
  for (const [k, v] of entries) b.add(k, v)
  return b.finish().slice()
}

const cmp = (a: Uint8Array, b: Uint8Array): number => compareBytes(a, 0, a.length, b, 0, b.length)

describe("block golden bytes", () => {
  const entries: Array<[Uint8Array, Uint8Array]> = [
    [te.encode("apple"), te.encode("1")],
    [te.encode("apply"), te.encode("22")],
    [te.encode("b"), te.encode("")],
  ]

  it("shares key prefixes between restarts (interval 16)", () => {
    expect([...build(entries, 16)]).toEqual([
      ...[0, 5, 1, ...s("apple"), ...s("1")], // offset 0: shared 0, non-shared 5, value 1
      ...[4, 1, 2, ...s("y"), ...s("22")], //    offset 9: shares "appl"
      ...[0, 1, 0, ...s("b")], //                offset 15: shares nothing
      ...[0, 0, 0, 0], //                        restart[0] = 0
      ...[1, 0, 0, 0], //                        one restart
    ])
  })

  it("stores a whole key at each restart (interval 2)", () => {
    expect([...build(entries, 2)]).toEqual([
      ...[0, 5, 1, ...s("apple"), ...s("1")],
      ...[4, 1, 2, ...s("y"), ...s("22")],
      ...[0, 1, 0, ...s("b")],
      ...[0, 0, 0, 0, 15, 0, 0, 0],
      ...[2, 0, 0, 0],
    ])
  })

  it("an empty block is one restart and its count", () => {
    expect([...new BlockBuilder().finish()]).toEqual([0, 0, 0, 0, 1, 0, 0, 0])
  })

  it("footer: two varint handles, zero padding to 40 bytes, magic 0xdb4775248b80fb57 little-endian", () => {
    const f = encodeFooter({ metaindex: { offset: 100, size: 20 }, index: { offset: 125, size: 300 } })
    expect([...f]).toEqual([
      ...[0x64, 0x14, 0x7d, 0xac, 0x02],
      ...new Array(35).fill(0),
      ...[0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb],
    ])
    expect(decodeFooter(f)).toEqual({ metaindex: { offset: 100, size: 20 }, index: { offset: 125, size: 300 } })
    const bad = f.slice()
    bad[47]! ^= 1
    expect(decodeFooter(bad)).toBe("not an sstable (bad magic number)")
    expect(decodeBlockHandle(Uint8Array.of(0xac, 0x02, 0x05))).toEqual({ offset: 300, size: 5 })
    expect(decodeBlockHandle(Uint8Array.of(0xac))).toBeUndefined()
  })
})

const sortedEntries = fc
  .uniqueArray(fc.uint8Array({ maxLength: 12 }), { selector: (k) => [...k].join(","), maxLength: 120 })
  .chain((keys) => {
    const sorted = [...keys].sort(cmp)
    return fc.tuple(
      fc.constant(sorted),
      fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: sorted.length, maxLength: sorted.length }),
    )
  })

describe("block round trip (fast-check)", () => {
  it("iterates forward and backward and seeks like a sorted array", () => {
    fc.assert(
      fc.property(
        sortedEntries,
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.uint8Array({ maxLength: 12 }), { maxLength: 20 }),
        ([keys, values], interval, targets) => {
          const block = Block.parse(
            build(
              keys.map((k, i) => [k, values[i]!] as const),
              interval,
            ),
          )
          if (typeof block === "string") throw new Error(block)
          const it = block.iterator(compareBytes)
          const fwd: Array<[number[], number[]]> = []
          for (it.seekToFirst(); it.valid(); it.next()) fwd.push([[...it.key()], [...it.value()]])
          expect(fwd).toEqual(keys.map((k, i) => [[...k], [...values[i]!]]))
          const back: number[][] = []
          for (it.seekToLast(); it.valid(); it.prev()) back.push([...it.key()])
          expect(back).toEqual(keys.map((k) => [...k]).reverse())
          for (const t of [...targets, ...keys]) {
            it.seek(t)
            const want = keys.findIndex((k) => cmp(k, t) >= 0)
            if (want < 0) expect(it.valid()).toBe(false)
            else expect([...it.key()]).toEqual([...keys[want]!])
          }
          expect(it.corruption).toBeUndefined()
        },
      ),
      { numRuns: 150 },
    )
  })

  it("reports a malformed entry instead of reading past the block", () => {
    const bytes = build([[te.encode("k1"), te.encode("v")]], 16)
    bytes[1] = 200 // non-shared length beyond the block
    const block = Block.parse(bytes)
    if (typeof block === "string") throw new Error(block)
    const it = block.iterator(compareBytes)
    it.seekToFirst()
    expect(it.valid()).toBe(false)
    expect(it.corruption).toBe("bad entry in block")
    expect(Block.parse(Uint8Array.of(9, 0, 0, 0))).toMatch(/restart count too large/)
  })
})
