/**
 * The Snappy codec: hand-worked golden streams, round trips of any bytes (and of highly
 * repetitive ones, over the 64 KiB fragment size), interop with snappyjs (an independent
 * implementation) both ways, and the decoder fuzzed with fast-check: on any input it returns
 * a reason or exactly the declared number of bytes, never throws. At the table level, a
 * damaged Snappy block is a TableCorruption with checksums on (the default), so no wrong
 * value is ever returned; with them off (damage the CRC would miss), any failure is still a
 * TableCorruption, never a crash (LevelDB's behaviour: without the CRC a changed literal
 * byte cannot be told from data).
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { Crc32c } from "@writepath/wal"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { Table, TableBuilder, TableCorruption } from "../src/index.ts"
import { compareBytes } from "../src/internal/coding.ts"
import { snappyCompress, snappyMaxCompressedLength } from "../src/internal/snappyCompress.ts"
import { snappyDecompress } from "../src/internal/snappyDecompress.ts"

const require = createRequire(import.meta.url)
const snappyjs = require("snappyjs") as { compress(b: Uint8Array): Uint8Array; uncompress(b: Uint8Array): Uint8Array }

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-snappy-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
let fileNo = 0
const te = new TextEncoder()

const repetitive = fc
  .tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 5000 }), fc.uint8Array({ maxLength: 50 }))
  .map(([unit, times, tail]) => {
    const out = new Uint8Array(unit.length * times + tail.length)
    for (let i = 0; i < times; i++) out.set(unit, i * unit.length)
    out.set(tail, unit.length * times)
    return out
  })

describe("snappy codec", () => {
  it("decodes hand-worked streams: literal, overlapping 1-byte-offset copy, 2-byte-offset copy, long literal", () => {
    // "abcabcabca": length 10 | literal "abc" (tag (3-1)<<2) | copy len 7 offset 3 (tag 1 | (7-4)<<2).
    expect(snappyDecompress(Uint8Array.of(10, 0x08, 97, 98, 99, 0x0d, 3))).toEqual(te.encode("abcabcabca"))
    // 70 x "z": length 70 | literal "z" | copy len 64 offset 1 (tag 2 | 63<<2) | copy len 5 offset 1 (1-byte form).
    expect(snappyDecompress(Uint8Array.of(70, 0x00, 122, 0xfe, 1, 0, 0x05, 1))).toEqual(new Uint8Array(70).fill(122))
    // A 100-byte literal uses the 1-byte length form: tag 60<<2, then 99.
    const lit = new Uint8Array(100).map((_, i) => i)
    expect(snappyDecompress(Uint8Array.of(100, 60 << 2, 99, ...lit))).toEqual(lit)
    expect(snappyDecompress(Uint8Array.of(0))).toEqual(new Uint8Array(0))
  })

  it("encodes as snappy does: empty input, a short literal, a run", () => {
    expect([...snappyCompress(new Uint8Array(0))]).toEqual([0])
    expect([...snappyCompress(te.encode("abc"))]).toEqual([3, 0x08, 97, 98, 99])
    const run = snappyCompress(new Uint8Array(1000).fill(7))
    expect(run.length).toBeLessThan(60)
    expect(snappyDecompress(run)).toEqual(new Uint8Array(1000).fill(7))
  })

  it("round-trips any bytes, within the maximum compressed length", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 3000 }), repetitive), (src) => {
        const c = snappyCompress(src)
        expect(c.length).toBeLessThanOrEqual(snappyMaxCompressedLength(src.length))
        expect(snappyDecompress(c)).toEqual(src)
      }),
      { numRuns: 300 },
    )
  }, 120_000)

  it("round-trips inputs larger than one 64 KiB fragment", () => {
    const src = new Uint8Array(200_000)
    let x = 1
    for (let i = 0; i < src.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0
      src[i] = i % 7 === 0 ? x >>> 24 : (i >> 3) & 0xff
    }
    expect(snappyDecompress(snappyCompress(src))).toEqual(src)
  })

  it("interoperates with snappyjs both ways", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 3000 }), repetitive), (src) => {
        expect(new Uint8Array(snappyjs.uncompress(snappyCompress(src)))).toEqual(src)
        expect(snappyDecompress(new Uint8Array(snappyjs.compress(src)))).toEqual(src)
      }),
      { numRuns: 200 },
    )
  }, 120_000)

  it("fuzz: any input gives a reason or exactly the declared bytes, never an exception", () => {
    const check = (b: Uint8Array): void => {
      const r = snappyDecompress(b)
      if (typeof r === "string") expect(r.length).toBeGreaterThan(0)
      else expect(r.length).toBe(declared(b))
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), check), { numRuns: 2000 })
    // Damage to valid streams: flipped bytes, truncation, appended bytes.
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 500 }), repetitive),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (src, flips, cut) => {
          const c = snappyCompress(src).slice()
          for (const [at, x] of flips) c[at % c.length]! ^= x
          check(c)
          check(c.subarray(0, cut % c.length))
          check(Uint8Array.of(...c, ...flips.map(([, x]) => x)))
        },
      ),
      { numRuns: 1000 },
    )
  }, 120_000)

  it("rejects a declared length no input of that size could hold, without allocating it", () => {
    const r = snappyDecompress(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x41))
    expect(r).toMatch(/more than 7 input bytes can hold/)
    expect(snappyDecompress(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x1f))).toMatch(/exceeds 32 bits/)
  })
})

const declared = (b: Uint8Array): number => {
  let n = 0
  for (let i = 0; i < 5 && i < b.length; i++) {
    n += (b[i]! & 0x7f) * 2 ** (7 * i)
    if (b[i]! < 0x80) break
  }
  return n
}

/** A table of compressible entries, and the [offset, size] of its Snappy-compressed data blocks. */
const snappyTable = async (): Promise<{ file: string; entries: Map<string, string>; blocks: Array<[number, number]> }> => {
  const file = path.join(dir, `${String(++fileNo).padStart(6, "0")}.ldb`)
  const b = TableBuilder.create(file, { sync: false })
  const entries = new Map<string, string>()
  for (let i = 0; i < 400; i++) {
    const k = `key${String(i).padStart(5, "0")}`
    const v = `value of ${k} `.repeat(4)
    entries.set(k, v)
    b.addEntry(te.encode(k), i + 1, 1, te.encode(v))
  }
  await b.finish()
  const t = Table.open(file)
  const blocks: Array<[number, number]> = []
  const it = t.index.iterator(compareBytes)
  const bytes = fs.readFileSync(file)
  for (it.seekToFirst(); it.valid(); it.next()) {
    const h = t.handleAt(t.indexHandle, it.value())
    if (bytes[h.offset + h.size] === 1) blocks.push([h.offset, h.size])
  }
  t.close()
  return { file, entries, blocks }
}

const readEverything = (file: string, verifyChecksums: boolean, entries: Map<string, string>): void => {
  const t = Table.open(file, { verifyChecksums, blockCacheBytes: 0 })
  try {
    const td = new TextDecoder()
    for (const [k, v] of entries) {
      const r = t.get(te.encode(k))
      if (r._tag === "Found" && td.decode(r.value) !== v) throw new Error(`wrong value for ${k}`)
    }
  } finally {
    t.close()
  }
}

describe("Snappy tables", () => {
  it("are written by default and read back", async () => {
    const { file, entries, blocks } = await snappyTable()
    expect(blocks.length).toBeGreaterThan(3)
    readEverything(file, true, entries)
    const t = Table.open(file)
    let n = 0
    for (const _ of t.newIterator()) n++
    t.close()
    expect(n).toBe(entries.size)
  })

  it('compression: "none" writes type-0 blocks only', async () => {
    const file = path.join(dir, "none.ldb")
    const b = TableBuilder.create(file, { sync: false, compression: "none" })
    for (let i = 0; i < 400; i++) b.addEntry(te.encode(`key${String(i).padStart(5, "0")}`), i + 1, 1, te.encode("x".repeat(60)))
    await b.finish()
    const t = Table.open(file)
    const it = t.index.iterator(compareBytes)
    const bytes = fs.readFileSync(file)
    for (it.seekToFirst(); it.valid(); it.next()) {
      const h = t.handleAt(t.indexHandle, it.value())
      expect(bytes[h.offset + h.size]).toBe(0)
    }
    t.close()
    expect(() => TableBuilder.create(path.join(dir, "bad.ldb"), { compression: "zlib" as "none" })).toThrow(/compression must be/)
  })

  it("fuzz: a damaged compressed block is a TableCorruption (never a wrong value); with checksums off, never another error", async () => {
    const { file, entries, blocks } = await snappyTable()
    const original = fs.readFileSync(file)
    const target = path.join(dir, "damaged.ldb")
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
        (which, flips) => {
          const [offset, size] = blocks[which % blocks.length]!
          const b = new Uint8Array(original)
          for (const [at, x] of flips) b[offset + (at % size)]! ^= x
          fs.writeFileSync(target, b)
          // With checksums (the default): the CRC catches every damage.
          expect(() => readEverything(target, true, entries)).toThrow(TableCorruption)
          // Damage the CRC does not see (the CRC recomputed): the decoder's checks, or a
          // block that parses; any failure is a TableCorruption, never another error.
          const crc = Crc32c.mask(Crc32c.extend(Crc32c.value(b, offset, offset + size), b, offset + size, offset + size + 1))
          new DataView(b.buffer, b.byteOffset).setUint32(offset + size + 1, crc, true)
          fs.writeFileSync(target, b)
          try {
            readEverything(target, false, entries)
          } catch (e) {
            if (!(e instanceof TableCorruption) && !(e instanceof Error && e.message.startsWith("wrong value"))) throw e
          }
        },
      ),
      { numRuns: 200 },
    )
  }, 120_000)
})
