/**
 * Recovery modes against damaged logs, asserting exactly which records survive:
 * truncation at every byte offset of a two-block log, and single-bit flips at sampled
 * offsets, for each of the four modes (WRITE-PATH.md 4.3 and 4.4).
 */
import { WriteBatch } from "@writepath/batch"
import { describe, expect, it } from "vitest"
import {
  allRecoveryModes,
  isRecyclableType,
  kBlockSize,
  LogWriter,
  type RecoveryResult,
  recoverLogs,
  WalCorruption,
  type WalRecoveryMode,
} from "../src/index.ts"
import { prng } from "./logTestHarness.ts"
import { bytesService, type Fragment, fragmentsOf, memoryWritable, writeLog } from "./walFixtures.ts"

const PATH = "/db/000007.log"

const recoverBytes = (bytes: Uint8Array, mode: WalRecoveryMode): RecoveryResult | WalCorruption => {
  try {
    return recoverLogs(bytesService({ [PATH]: bytes }), [{ logNumber: 7, path: PATH }], { recoveryMode: mode })
  } catch (e) {
    if (e instanceof WalCorruption) return e
    throw e
  }
}

const sequences = (r: RecoveryResult | WalCorruption): number[] | "fail" =>
  r instanceof WalCorruption ? "fail" : r.records.map((x) => x.sequence)

// Sizes chosen so that the log spans two blocks, one record is split across the block
// boundary, and small and medium records sit on both sides of it.
const SIZES = [10, 200, 3000, 100, 20000, 9000, 50, 700, 1500, 1, 300]

describe("truncation at every offset", () => {
  for (const recycle of [false, true]) {
    it(`${recycle ? "recyclable" : "legacy"} headers: every mode keeps exactly the records written before the cut`, () => {
      const log = writeLog(SIZES, { recycle })
      expect(log.bytes.length).toBeGreaterThan(kBlockSize)
      const ends = new Set(log.records.map((r) => r.end))
      let checked = 0
      for (let cut = 0; cut <= log.bytes.length; cut++) {
        const bytes = log.bytes.subarray(0, cut)
        const expected = log.records.filter((r) => r.end <= cut).map((r) => r.sequence)
        const clean = cut === 0 || ends.has(cut)
        for (const mode of allRecoveryModes) {
          const r = recoverBytes(bytes, mode)
          const got = sequences(r)
          let want: number[] | "fail" = expected
          if (mode === "absolute-consistency" && !clean) want = "fail"
          if (got === "fail" ? want !== "fail" : want === "fail" || got.length !== want.length || got.some((s, i) => s !== want[i])) {
            expect({ cut, mode, got }).toEqual({ cut, mode, got: want })
          }
          if (!(r instanceof WalCorruption)) {
            // Only point-in-time reports a torn tail (and stops there); the tolerant modes are silent.
            if (mode === "point-in-time") expect(r.stoppedAt === undefined).toBe(clean)
            if (mode === "tolerate-corrupted-tail-records" || mode === "skip-any-corrupted-records") {
              expect(r.dropped.filter((d) => d.reported)).toEqual(
                mode === "tolerate-corrupted-tail-records" ? [] : r.dropped.filter((d) => d.reported),
              )
            }
            expect(r.lastSequence).toBe(expected.length === 0 ? 0 : expected[expected.length - 1])
          }
          checked++
        }
      }
      expect(checked).toBe((log.bytes.length + 1) * 4)
    }, 120_000)
  }
})

/**
 * What a single flipped bit at `offset` must do, derived from the clean log's fragment map:
 * the reader drops the damaged fragment and the rest of its block (checksum mismatch or bad
 * length), so the records with a fragment in that range are lost; in the file's last,
 * partial block a too-large length reads as a torn tail instead. A flip in a log-number
 * field makes the fragment an "old record" (end of the recycled log's new data).
 */
type Outcome =
  | { readonly kind: "none" }
  | {
      readonly kind: "drop"
      readonly lost: Set<number>
      readonly firstLost: number
      readonly tornTail: boolean
      readonly oldRecord: "no" | "full-or-first" | "inside"
    }

const outcomeOf = (
  bytes: Uint8Array,
  frags: ReadonlyArray<Fragment>,
  offset: number,
  flipped: Uint8Array,
  recyclable: boolean,
): Outcome => {
  const i = frags.findIndex((f) => offset >= f.start && offset < f.end)
  if (i < 0) return { kind: "none" } // zero padding at a block tail: skipped unread
  const f = frags[i]!
  const block = Math.floor(f.start / kBlockSize)
  const blockEnd = Math.min((block + 1) * kBlockSize, bytes.length)
  const lostFrags = frags.filter((g) => g.start >= f.start && g.start < blockEnd)
  const lost = new Set(lostFrags.map((g) => g.record))
  const firstLost = f.record
  const rel = offset - f.start
  let tornTail = false
  let oldRecord: "no" | "full-or-first" | "inside" = "no"
  if (rel === 4 || rel === 5) {
    const newLen = flipped[f.start + 4]! | (flipped[f.start + 5]! << 8)
    const blockIsPartial = blockEnd - block * kBlockSize < kBlockSize
    if (f.headerSize + newLen > blockEnd - f.start && blockIsPartial) tornTail = true
  }
  if (recyclable && rel >= 7 && rel < 11) {
    oldRecord = f.type === 5 || f.type === 6 ? "full-or-first" : "inside"
    // The reader skips just this fragment in salvage mode.
    return { kind: "drop", lost: new Set([f.record]), firstLost, tornTail: false, oldRecord }
  }
  return { kind: "drop", lost, firstLost, tornTail, oldRecord }
}

describe("single-bit corruption at sampled offsets", () => {
  for (const recycle of [false, true]) {
    it(`${recycle ? "recyclable" : "legacy"} headers: survivors per mode match the fragment model`, () => {
      const log = writeLog(SIZES, { recycle })
      const frags = fragmentsOf(log.bytes)
      const all = log.records.map((r) => r.sequence)
      const rnd = prng(recycle ? 11 : 7)
      const offsets = new Set<number>()
      // Every header byte of every fragment, plus random payload and padding offsets.
      for (const f of frags) for (let k = 0; k < f.headerSize; k++) offsets.add(f.start + k)
      while (offsets.size < frags.length * 11 + 300) offsets.add(Math.floor(rnd() * log.bytes.length))
      offsets.add(kBlockSize - 1) // padding or payload at the block boundary
      let cases = 0
      for (const offset of offsets) {
        const bit = Math.floor(rnd() * 8)
        const bytes = log.bytes.slice()
        bytes[offset] = bytes[offset]! ^ (1 << bit)
        const f = frags.find((g) => offset === g.start + 6)
        // A legacy type byte flipped into a recyclable type takes the recycled-log paths: tested by name below.
        if (f && !recycle && isRecyclableType(bytes[offset]!)) continue
        const o = outcomeOf(log.bytes, frags, offset, bytes, recycle)
        for (const mode of allRecoveryModes) {
          const got = sequences(recoverBytes(bytes, mode))
          let want: number[] | "fail"
          if (o.kind === "none") {
            want = all
          } else {
            const prefix = all.filter((_, k) => k < o.firstLost)
            const salvage = all.filter((_, k) => !o.lost.has(k))
            // The reader knows the log is recycled once it parsed a recyclable header; only a flip of
            // the very first header's type into a legacy type hides that.
            const flippedFirstType = offset === frags[0]!.start + 6 && !isRecyclableType(bytes[offset]!)
            const recycledKnown = recycle && !flippedFirstType
            const silentEnd = o.oldRecord !== "no" || o.tornTail || recycledKnown
            switch (mode) {
              case "skip-any-corrupted-records":
                want = o.oldRecord !== "no" ? salvage : o.tornTail ? prefix : salvage
                break
              case "point-in-time":
                want = prefix
                break
              case "tolerate-corrupted-tail-records":
                // Silent: a torn tail, an old record, or (recycled log) any bad CRC/length.
                want = silentEnd ? prefix : "fail"
                break
              case "absolute-consistency":
                want = o.oldRecord === "full-or-first" ? prefix : "fail"
                break
            }
          }
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            expect({ offset, bit, mode, got }).toEqual({ offset, bit, mode, got: want })
          }
          cases++
        }
      }
      expect(cases).toBeGreaterThan(1000)
    })
  }

  it("a legacy FULL type flipped to a recyclable type is never returned as a record", () => {
    const log = writeLog(SIZES)
    const frags = fragmentsOf(log.bytes)
    for (const f of frags) {
      for (const bit of [2, 3, 7]) {
        const bytes = log.bytes.slice()
        bytes[f.start + 6] = bytes[f.start + 6]! ^ (1 << bit)
        if (!isRecyclableType(bytes[f.start + 6]!)) continue
        for (const mode of allRecoveryModes) {
          const got = sequences(recoverBytes(bytes, mode))
          if (got === "fail") continue
          // Whatever survives is a subset of what was written, in order, without the damaged record.
          expect(got.includes(f.record + 1)).toBe(false)
          expect(got).toEqual([...got].sort((a, b) => a - b))
        }
      }
    }
  })
})

describe("bad input", () => {
  it("random bytes: never a record that was not written, never an uncaught exception", () => {
    const rnd = prng(99)
    for (let n = 0; n < 200; n++) {
      const bytes = new Uint8Array(Math.floor(rnd() * 70000))
      for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(rnd() * 256)
      for (const mode of allRecoveryModes) {
        const r = recoverBytes(bytes, mode)
        if (!(r instanceof WalCorruption)) expect(r.records).toEqual([])
      }
    }
  })
})

describe("record-level checks of the replay loop", () => {
  const logOf = (...payloads: Uint8Array[]): Uint8Array => {
    const f = memoryWritable()
    const w = new LogWriter(f, { logNumber: 7 })
    for (const p of payloads) w.addRecord(p)
    return f.bytes()
  }
  const batchAt = (seq: number, key = "k"): Uint8Array => {
    const b = new WriteBatch().put(key, "v")
    b.sequence = seq
    return b.data.slice()
  }

  it("a record shorter than a WriteBatch header is 'log record too small': PIT stops, skip goes on, strict modes fail", () => {
    const bytes = logOf(batchAt(1), Uint8Array.of(1, 2, 3), batchAt(2))
    expect(sequences(recoverBytes(bytes, "point-in-time"))).toEqual([1])
    expect((recoverBytes(bytes, "point-in-time") as RecoveryResult).stoppedAt?.reason).toBe("log record too small")
    expect(sequences(recoverBytes(bytes, "skip-any-corrupted-records"))).toEqual([1, 2])
    expect(sequences(recoverBytes(bytes, "absolute-consistency"))).toBe("fail")
    expect(sequences(recoverBytes(bytes, "tolerate-corrupted-tail-records"))).toBe("fail")
  })

  it("a sequence beyond 2^53 - 1 is reported, never rounded", () => {
    const big = batchAt(1)
    new DataView(big.buffer).setUint32(4, 0x00300000, true) // high word: sequence >= 2^53
    const bytes = logOf(batchAt(1), big)
    expect(sequences(recoverBytes(bytes, "skip-any-corrupted-records"))).toEqual([1])
    expect((recoverBytes(bytes, "point-in-time") as RecoveryResult).stoppedAt?.reason).toBe("sequence number beyond 2^53 - 1")
  })

  it("a sequence that goes backwards is a hard error (skipped in salvage mode)", () => {
    const bytes = logOf(batchAt(5), batchAt(6), batchAt(3))
    for (const mode of ["point-in-time", "absolute-consistency", "tolerate-corrupted-tail-records"] as const) {
      const r = recoverBytes(bytes, mode)
      expect(r).toBeInstanceOf(WalCorruption)
      expect((r as WalCorruption).reason).toContain("sequence went backwards")
    }
    expect(sequences(recoverBytes(bytes, "skip-any-corrupted-records"))).toEqual([5, 6])
  })

  it("paranoidChecks: false never stops or fails on corruption", () => {
    const bytes = logOf(batchAt(1), Uint8Array.of(1), batchAt(2))
    const r = recoverLogs(bytesService({ [PATH]: bytes }), [{ logNumber: 7, path: PATH }], {
      recoveryMode: "absolute-consistency",
      paranoidChecks: false,
    })
    expect(r.records.map((x) => x.sequence)).toEqual([1, 2])
    expect(r.dropped.map((d) => d.reason)).toEqual(["log record too small"])
  })
})
