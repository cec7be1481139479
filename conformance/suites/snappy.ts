import * as fs from "node:fs"
import * as path from "node:path"
import { Table, TableBuilder, TableCorruption } from "../../packages/table/src/index.ts"
import { snappyCompress } from "../../packages/table/src/internal/snappyCompress.ts"
import { snappyDecompress } from "../../packages/table/src/internal/snappyDecompress.ts"
import { assert, assertEqual, type Suite } from "../harness.ts"

const te = new TextEncoder()
const td = new TextDecoder()
const key = (i: number): Uint8Array => te.encode(`key${String(i).padStart(6, "0")}`)
const value = (i: number): Uint8Array => te.encode(`value of ${i}: ${"snappy ".repeat(6)}`)

/** Offsets, sizes and types of a table's data blocks. */
const dataBlocks = (file: string): Array<{ offset: number; size: number; type: number }> => {
  const t = Table.open(file)
  const bytes = fs.readFileSync(file)
  const out: Array<{ offset: number; size: number; type: number }> = []
  const it = t.index.iterator((a, ao, al, b, bo, bl) => Buffer.compare(a.subarray(ao, ao + al), b.subarray(bo, bo + bl)))
  for (it.seekToFirst(); it.valid(); it.next()) {
    const h = t.handleAt(t.indexHandle, it.value())
    out.push({ offset: h.offset, size: h.size, type: bytes[h.offset + h.size]! })
  }
  t.close()
  return out
}

/** Snappy tables on this runtime: the codec's golden streams, Snappy blocks written and read, damage detected. */
export const snappySuite: Suite = (env) => [
  {
    name: "snappy: hand-worked streams decode; output round-trips",
    run: () => {
      const r = snappyDecompress(Uint8Array.of(10, 0x08, 97, 98, 99, 0x0d, 3))
      assert(typeof r !== "string" && td.decode(r) === "abcabcabca", "literal + overlapping copy")
      assertEqual([...snappyCompress(te.encode("abc"))].join(","), "3,8,97,98,99", "short literal encoding")
      const src = new Uint8Array(200_000).map((_, i) => (i % 251 === 0 ? i >>> 3 : i % 64))
      const back = snappyDecompress(snappyCompress(src))
      assert(typeof back !== "string" && Buffer.compare(back, src) === 0, "200 KB round trip over 64 KiB fragments")
      assertEqual(typeof snappyDecompress(Uint8Array.of(5, 0x09, 1)), "string", "copy before any output is a reason")
    },
  },
  {
    name: `snappy: writes Snappy tables by default and reads them back on ${env.runtime}`,
    run: async () => {
      const snappy = path.join(env.tmpDir, "snappy-000011.ldb")
      const none = path.join(env.tmpDir, "snappy-000012.ldb")
      for (const [file, compression] of [
        [snappy, "snappy"],
        [none, "none"],
      ] as const) {
        const b = TableBuilder.create(file, compression === "snappy" ? {} : { compression })
        for (let i = 0; i < 3000; i++) b.addEntry(key(i), i + 1, 1, value(i))
        await b.finish()
      }
      const blocks = dataBlocks(snappy)
      assert(blocks.length > 3 && blocks.every((b) => b.type === 1), "every data block is Snappy")
      assert(
        dataBlocks(none).every((b) => b.type === 0),
        'compression "none": raw blocks',
      )
      assert(fs.statSync(snappy).size * 2 < fs.statSync(none).size, "Snappy table is less than half the size")
      const t = Table.open(snappy)
      const r = t.get(key(1234))
      assert(r._tag === "Found" && td.decode(r.value) === td.decode(value(1234)), "found key1234")
      let n = 0
      for (const _ of t.newIterator()) n++
      assertEqual(n, 3000, "entries iterated")
      t.close()
    },
  },
  {
    name: "snappy: a damaged compressed block is a TableCorruption",
    run: async () => {
      const file = path.join(env.tmpDir, "snappy-000013.ldb")
      const b = TableBuilder.create(file)
      for (let i = 0; i < 3000; i++) b.addEntry(key(i), i + 1, 1, value(i))
      await b.finish()
      const block = dataBlocks(file)[2]!
      const bytes = fs.readFileSync(file)
      bytes[block.offset + (block.size >> 1)]! ^= 0x40
      fs.writeFileSync(file, bytes)
      let caught: unknown
      const t = Table.open(file)
      try {
        for (const _ of t.newIterator()) {
          // read every block
        }
      } catch (e) {
        caught = e
      } finally {
        t.close()
      }
      assert(caught instanceof TableCorruption, "a damaged Snappy block is a TableCorruption")
    },
  },
]
