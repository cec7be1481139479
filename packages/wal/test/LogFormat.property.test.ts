/**
 * Property tests (fast-check) for the log codec: any sequence of records of any sizes,
 * written with either header kind, reads back exactly, with no drops, and every block
 * boundary respects the format (no header straddles a block; trailers are zeros).
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { bytesSource, Crc32c, kBlockSize, LogReader, LogWriter } from "../src/index.ts"
import { fragmentsOf, memoryWritable } from "./walFixtures.ts"

const payloads = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: fc.uint8Array({ maxLength: 200 }) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 100_000 }).map((n) => new Uint8Array(n).fill(n & 0xff)) },
    // Sizes that land a record's end next to a block boundary.
    { weight: 2, arbitrary: fc.integer({ min: kBlockSize - 40, max: kBlockSize + 40 }).map((n) => new Uint8Array(n).fill(7)) },
  ),
  { maxLength: 30 },
)

describe("LogWriter/LogReader round trip", () => {
  it("reads back every record exactly, for both header kinds", () => {
    fc.assert(
      fc.property(payloads, fc.boolean(), fc.integer({ min: 0, max: 2 ** 32 + 5 }), (ps, recycle, logNumber) => {
        const f = memoryWritable()
        const w = new LogWriter(f, { logNumber, recycleLogFiles: recycle })
        for (const p of ps) w.addRecord(p)
        const bytes = f.bytes()
        expect(w.size).toBe(bytes.length)
        const r = new LogReader(bytesSource(bytes), { logNumber, recoveryMode: "absolute-consistency" })
        const got: Uint8Array[] = []
        for (let rec = r.readRecord(); rec; rec = r.readRecord()) got.push(rec.data)
        expect(r.drops).toEqual([])
        expect(got.length).toBe(ps.length)
        got.forEach((g, i) => {
          expect(Buffer.compare(g, ps[i]!)).toBe(0)
        })
        // Every fragment sits inside one block; the bytes between fragments are zero padding.
        const frags = fragmentsOf(bytes)
        let pos = 0
        for (const fr of frags) {
          expect(Math.floor(fr.start / kBlockSize)).toBe(Math.floor((fr.end - 1) / kBlockSize))
          for (let k = pos; k < fr.start; k++) expect(bytes[k]).toBe(0)
          pos = fr.end
        }
      }),
      { numRuns: 150 },
    )
  })

  it("CRC32C extend composes: value(a ++ b) = extend(value(a), b)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
        const ab = new Uint8Array(a.length + b.length)
        ab.set(a)
        ab.set(b, a.length)
        expect(Crc32c.value(ab)).toBe(Crc32c.extend(Crc32c.value(a), b))
        expect(Crc32c.unmask(Crc32c.mask(Crc32c.value(a)))).toBe(Crc32c.value(a))
      }),
    )
  })
})
