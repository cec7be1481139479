/**
 * TableBuilder -> Table: every entry found by `get` at every snapshot and by the iterator
 * (forward, backward, seek, seekForPrev) as a sorted model says (fast-check over random
 * histories), the filter keeps absent keys away from data blocks, range tombstones round-trip,
 * and damaged files are reported as TableCorruption naming the file and offset.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Crc32c } from "@writepath/wal"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import {
  decodeFooter,
  encodeBlockHandle,
  kFooterSize,
  Table,
  TableBuilder,
  TableCorruption,
  TableInvalidArgument,
  TableNotSupported,
} from "../src/index.ts"
import { compareBytes } from "../src/internal/coding.ts"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-table-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
let fileNo = 0
const tmp = (): string => path.join(dir, `${String(++fileNo).padStart(6, "0")}.ldb`)

const te = new TextEncoder()
const td = new TextDecoder()

interface E {
  key: Uint8Array
  seq: number
  type: 0 | 1
  value: Uint8Array
}

const order = (a: E, b: E): number => compareBytes(a.key, 0, a.key.length, b.key, 0, b.key.length) || b.seq - a.seq

const buildTable = async (
  entries: E[],
  opts: { blockSize?: number; restartInterval?: number; compression?: "snappy" | "none" } = {},
): Promise<string> => {
  const p = tmp()
  const b = TableBuilder.create(p, { ...opts, sync: false })
  for (const e of [...entries].sort(order)) b.addEntry(e.key, e.seq, e.type, e.value)
  await b.finish()
  return p
}

const modelGet = (entries: E[], key: Uint8Array, snapshot: number): string => {
  const hit = [...entries].sort(order).find((e) => compareBytes(e.key, 0, e.key.length, key, 0, key.length) === 0 && e.seq <= snapshot)
  return hit === undefined ? "NotFound" : hit.type === 1 ? `Found:${[...hit.value]}@${hit.seq}` : `Deleted@${hit.seq}`
}

const show = (r: ReturnType<Table["get"]>): string =>
  r._tag === "NotFound" ? "NotFound" : r._tag === "Found" ? `Found:${[...r.value]}@${r.sequence}` : `Deleted@${r.sequence}`

const history = fc
  .array(
    fc.record({
      key: fc.uint8Array({ minLength: 0, maxLength: 6, max: 4 }),
      type: fc.constantFrom(0 as const, 1 as const, 1 as const),
      value: fc.uint8Array({ maxLength: 40 }),
    }),
    { maxLength: 150 },
  )
  .map((xs) => xs.map((x, i): E => ({ ...x, seq: i + 1 })))

describe("table round trip (fast-check)", () => {
  it("get at any snapshot and iteration agree with a sorted model", async () => {
    await fc.assert(
      fc.asyncProperty(
        history,
        fc.integer({ min: 64, max: 600 }),
        fc.integer({ min: 1, max: 16 }),
        async (entries, blockSize, restartInterval) => {
          const p = await buildTable(entries, { blockSize, restartInterval })
          const t = Table.open(p, { blockCacheBytes: 2048 })
          try {
            const sorted = [...entries].sort(order)
            const probes = [...entries.map((e) => e.key), Uint8Array.of(9), new Uint8Array(0)]
            for (const k of probes) {
              for (const snap of [0, Math.floor(entries.length / 2), entries.length, Number.MAX_SAFE_INTEGER]) {
                expect(show(t.get(k, snap))).toBe(modelGet(entries, k, snap))
              }
            }
            const it = t.newIterator()
            const fwd: string[] = []
            for (it.seekToFirst(); it.valid(); it.next()) fwd.push(`${[...it.key()]}@${it.sequence}:${it.type}`)
            expect(fwd).toEqual(sorted.map((e) => `${[...e.key]}@${e.seq}:${e.type}`))
            const back: string[] = []
            for (it.seekToLast(); it.valid(); it.prev()) back.push(`${[...it.key()]}@${it.sequence}`)
            expect(back).toEqual(sorted.map((e) => `${[...e.key]}@${e.seq}`).reverse())
            // An iterator at a snapshot hides newer entries; seek lands on the newest visible version.
            const snap = Math.floor(entries.length / 2)
            const visible = sorted.filter((e) => e.seq <= snap)
            const si = t.newIterator({ snapshot: snap })
            for (const k of probes) {
              si.seek(k)
              const want = visible.find((e) => compareBytes(e.key, 0, e.key.length, k, 0, k.length) >= 0)
              expect(si.valid() ? `${[...si.key()]}@${si.sequence}` : "end").toBe(want ? `${[...want.key]}@${want.seq}` : "end")
              si.seekForPrev(k)
              const prev = [...visible].reverse().find((e) => compareBytes(e.key, 0, e.key.length, k, 0, k.length) <= 0)
              expect(si.valid() ? `${[...si.key()]}@${si.sequence}` : "end").toBe(prev ? `${[...prev.key]}@${prev.seq}` : "end")
            }
          } finally {
            t.close()
          }
        },
      ),
      { numRuns: 40 },
    )
  })
})

describe("table builder and reader", () => {
  const many = (n: number): E[] =>
    Array.from({ length: n }, (_, i) => ({
      key: te.encode(`key${String(i).padStart(6, "0")}`),
      seq: i + 1,
      type: 1 as const,
      value: te.encode(`value${i}`),
    }))

  it("reports properties for the MANIFEST and reads a multi-block table", async () => {
    const p = tmp()
    const b = TableBuilder.create(p)
    for (const e of many(2000)) b.addEntry(e.key, e.seq, e.type, e.value)
    const props = await b.finish()
    expect(props.fileSize).toBe(fs.statSync(p).size)
    expect(props.numEntries).toBe(2000)
    expect(props.numDataBlocks).toBeGreaterThan(10)
    expect(td.decode(props.smallest.subarray(0, -8))).toBe("key000000")
    expect(td.decode(props.largest.subarray(0, -8))).toBe("key001999")
    expect([props.smallestSequence, props.largestSequence]).toEqual([1, 2000])
    const t = Table.open(p)
    expect(t.hasFilter).toBe(true)
    const r = t.get(te.encode("key001234"))
    expect(r._tag === "Found" && td.decode(r.value)).toBe("value1234")
    t.close()
  })

  it("the bloom filter keeps lookups of absent keys out of data blocks", async () => {
    const t = Table.open(await buildTable(many(2000)))
    for (let i = 0; i < 1000; i++) expect(t.get(te.encode(`key${String(i).padStart(6, "0")}x`))._tag).toBe("NotFound")
    // ~1% false positives: at most a few dozen block reads for 1000 absent keys.
    expect(t.cacheStats.misses + t.cacheStats.hits).toBeLessThan(50)
    t.close()
  })

  it("rejects keys out of order and entry types LevelDB cannot hold", () => {
    const b = TableBuilder.create(tmp())
    b.addEntry(te.encode("b"), 5, 1, te.encode("x"))
    expect(() => b.addEntry(te.encode("a"), 6, 1, te.encode("x"))).toThrow(TableInvalidArgument)
    expect(() => b.addEntry(te.encode("b"), 5, 1, te.encode("x"))).toThrow(TableInvalidArgument)
    expect(() => b.addEntry(te.encode("c"), 7, 2, te.encode("x"))).toThrow(/only Put \(1\) and Delete \(0\)/)
    b.abandon()
    expect(fs.existsSync(b.path)).toBe(false)
  })

  it("keeps range tombstones in a meta block and applies them in get", async () => {
    const p = tmp()
    const b = TableBuilder.create(p)
    b.addEntry(te.encode("a"), 1, 1, te.encode("1"))
    b.addEntry(te.encode("m"), 2, 1, te.encode("2"))
    b.addEntry(te.encode("z"), 9, 1, te.encode("3"))
    b.addRangeTombstone(te.encode("b"), te.encode("y"), 5)
    const props = await b.finish()
    expect(props.numRangeTombstones).toBe(1)
    const t = Table.open(p)
    expect(t.rangeTombstones().map((x) => [td.decode(x.begin), td.decode(x.end), x.sequence])).toEqual([["b", "y", 5]])
    expect(t.get(te.encode("m"))).toEqual({ _tag: "Deleted", sequence: 5, byRangeTombstone: true })
    expect(t.get(te.encode("m"), 4)._tag).toBe("Found")
    expect(t.get(te.encode("a"))._tag).toBe("Found")
    t.close()
  })

  it("an empty table opens and iterates nothing", async () => {
    const t = Table.open(await buildTable([]))
    const it = t.newIterator()
    it.seekToFirst()
    expect(it.valid()).toBe(false)
    expect(t.get(te.encode("a"))._tag).toBe("NotFound")
    t.close()
  })
})

describe("damaged tables", () => {
  const damaged = async (mutate: (bytes: Uint8Array) => Uint8Array): Promise<string> => {
    const src = await buildTable(
      Array.from({ length: 500 }, (_, i) => ({
        key: te.encode(`k${String(i).padStart(4, "0")}`),
        seq: i + 1,
        type: 1 as const,
        value: te.encode(`v${i}`),
      })),
    )
    const p = tmp()
    fs.writeFileSync(p, mutate(new Uint8Array(fs.readFileSync(src))))
    return p
  }
  const readAll = (p: string): void => {
    const t = Table.open(p)
    try {
      for (const _ of t.newIterator()) {
        // read every block
      }
    } finally {
      t.close()
    }
  }

  it("a flipped bit in a data block fails its CRC: TableCorruption naming file and block offset", async () => {
    const p = await damaged((b) => {
      b[100]! ^= 0x10
      return b
    })
    let err: unknown
    try {
      readAll(p)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(TableCorruption)
    const c = err as TableCorruption
    expect(c.path).toBe(p)
    expect(c.offset).toBe(0)
    expect(c.message).toMatch(/data block checksum mismatch/)
    // Without verification the flip goes unnoticed by the reader (LevelDB's default for reads).
    expect(() => Table.open(p, { verifyChecksums: false }).get(te.encode("k0001"))).not.toThrow()
  })

  it("any single flipped bit is detected (fast-check over positions)", async () => {
    const src = await buildTable(
      Array.from({ length: 300 }, (_, i) => ({ key: te.encode(`k${i}`), seq: i + 1, type: 1 as const, value: te.encode(`v${i}`) })),
    )
    const bytes = new Uint8Array(fs.readFileSync(src))
    // The footer's zero padding (after the two handles, before the magic) is covered by no
    // checksum, in LevelDB too; every other byte is.
    const footer = decodeFooter(bytes.subarray(bytes.length - kFooterSize))
    if (typeof footer === "string") throw new Error(footer)
    const padStart = bytes.length - kFooterSize + encodeBlockHandle(footer.metaindex).length + encodeBlockHandle(footer.index).length
    const checked = fc.integer({ min: 0, max: bytes.length - 1 }).filter((i) => i < padStart || i >= bytes.length - 8)
    const p = tmp()
    fc.assert(
      fc.property(checked, fc.integer({ min: 0, max: 7 }), (pos, bit) => {
        const copy = bytes.slice()
        copy[pos]! ^= 1 << bit
        fs.writeFileSync(p, copy)
        expect(() => readAll(p)).toThrow(TableCorruption)
      }),
      { numRuns: 150 },
    )
  })

  it("truncation and a bad magic number", async () => {
    const truncated = await damaged((b) => b.subarray(0, b.length - 10))
    expect(() => Table.open(truncated)).toThrow(TableCorruption)
    const tiny = await damaged((b) => b.subarray(0, kFooterSize - 1))
    expect(() => Table.open(tiny)).toThrow(/too short to be an sstable/)
    const magic = await damaged((b) => {
      b[b.length - 1]! ^= 0xff
      return b
    })
    expect(() => Table.open(magic)).toThrow(/bad magic number/)
  })

  /** The first data block of a one-entry table, its type byte rewritten and the CRC fixed, so only the type is "wrong". */
  const withBlockType = async (type: number): Promise<string> => {
    const src = await buildTable([{ key: te.encode("a"), seq: 1, type: 1, value: te.encode("v") }], { compression: "none" })
    const t = Table.open(src)
    const it = t.index.iterator(compareBytes)
    it.seekToFirst()
    const h = t.handleAt(t.indexHandle, it.value())
    t.close()
    const b = new Uint8Array(fs.readFileSync(src))
    b[h.offset + h.size] = type
    const crc = Crc32c.mask(Crc32c.extend(Crc32c.value(b, h.offset, h.offset + h.size), b, h.offset + h.size, h.offset + h.size + 1))
    new DataView(b.buffer, b.byteOffset).setUint32(h.offset + h.size + 1, crc, true)
    fs.writeFileSync(src, b)
    return src
  }

  it("a zstd block (LevelDB 1.23's type 2) is reported as not supported; an unknown type is corruption", async () => {
    const zstd = await withBlockType(2)
    expect(() => readAll(zstd)).toThrow(TableNotSupported)
    const unknown = await withBlockType(9)
    expect(() => readAll(unknown)).toThrow(/bad block type 9/)
  })

  it("raw bytes marked Snappy are corruption, not a crash", async () => {
    // The raw block starts with 0x00 (declared length 0) then 0x09: a copy before any output.
    const marked = await withBlockType(1)
    expect(() => readAll(marked)).toThrow(/data block: snappy copy offset 1 outside the 0 bytes produced/)
  })
})
