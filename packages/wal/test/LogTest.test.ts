/**
 * RocksDB's db/log_test.cc, ported case by case (names kept), for the legacy (7-byte) and
 * the recyclable (11-byte) header. As in RocksDB, `read()` defaults to
 * kTolerateCorruptedTailRecords and the log number is 123.
 */
import { describe, expect, it } from "vitest"
import { bytesSource, Crc32c, kBlockSize, LogReader, LogWriter, RecordType, WalNotSupported, WalRecoveryMode } from "../src/index.ts"
import { bigString, LogTest, numberString, prng, randomSkewedString } from "./logTestHarness.ts"

const { kAbsoluteConsistency } = WalRecoveryMode

describe.each([
  ["legacy", false],
  ["recyclable", true],
])("LogTest (%s header)", (_name, recyclable) => {
  const t = () => new LogTest(recyclable)
  const First = recyclable ? RecordType.kRecyclableFirstType : RecordType.kFirstType
  const Middle = recyclable ? RecordType.kRecyclableMiddleType : RecordType.kMiddleType
  const Last = recyclable ? RecordType.kRecyclableLastType : RecordType.kLastType

  it("Empty", () => {
    expect(t().read()).toBe("EOF")
  })

  it("ReadWrite", () => {
    const l = t()
    for (const m of ["foo", "bar", "", "xxxx"]) l.write(m)
    expect([l.read(), l.read(), l.read(), l.read(), l.read(), l.read()]).toEqual(["foo", "bar", "", "xxxx", "EOF", "EOF"])
  })

  it("ManyBlocks", () => {
    const l = t()
    for (let i = 0; i < 100_000; i++) l.write(numberString(i))
    for (let i = 0; i < 100_000; i++) {
      const got = l.read()
      if (got !== numberString(i)) expect(got).toBe(numberString(i))
    }
    expect(l.read()).toBe("EOF")
  })

  it("Fragmentation", () => {
    const l = t()
    l.write("small")
    l.write(bigString("medium", 50_000))
    l.write(bigString("large", 100_000))
    expect(l.read()).toBe("small")
    expect(l.read()).toBe(bigString("medium", 50_000))
    expect(l.read()).toBe(bigString("large", 100_000))
    expect(l.read()).toBe("EOF")
  })

  it("MarginalTrailer", () => {
    // Make a trailer that is exactly the same length as an empty record.
    const l = t()
    const n = kBlockSize - 2 * l.headerSize
    l.write(bigString("foo", n))
    expect(l.writtenBytes()).toBe(kBlockSize - l.headerSize)
    l.write("")
    l.write("bar")
    expect([l.read(), l.read(), l.read(), l.read()]).toEqual([bigString("foo", n), "", "bar", "EOF"])
  })

  it("MarginalTrailer2", () => {
    const l = t()
    const n = kBlockSize - 2 * l.headerSize
    l.write(bigString("foo", n))
    expect(l.writtenBytes()).toBe(kBlockSize - l.headerSize)
    l.write("bar")
    expect([l.read(), l.read(), l.read()]).toEqual([bigString("foo", n), "bar", "EOF"])
    expect(l.droppedBytes()).toBe(0)
    expect(l.reportMessage()).toBe("")
    // The "bar" record starts with an empty FIRST fragment in the block's last header slot.
    const b = l.contents()
    expect(b[kBlockSize - l.headerSize + 6]).toBe(First)
    expect(b[kBlockSize - l.headerSize + 4]).toBe(0)
  })

  it("ShortTrailer", () => {
    const l = t()
    const n = kBlockSize - 2 * l.headerSize + 4
    l.write(bigString("foo", n))
    expect(l.writtenBytes()).toBe(kBlockSize - l.headerSize + 4)
    l.write("")
    l.write("bar")
    expect([l.read(), l.read(), l.read(), l.read()]).toEqual([bigString("foo", n), "", "bar", "EOF"])
    // The short trailer is zero padding.
    expect([...l.contents().subarray(kBlockSize - l.headerSize + 4, kBlockSize)].every((x) => x === 0)).toBe(true)
  })

  it("AlignedEof", () => {
    const l = t()
    const n = kBlockSize - 2 * l.headerSize + 4
    l.write(bigString("foo", n))
    expect(l.writtenBytes()).toBe(kBlockSize - l.headerSize + 4)
    expect([l.read(), l.read()]).toEqual([bigString("foo", n), "EOF"])
  })

  it("RandomRead", () => {
    const l = t()
    const N = 500
    const w = prng(301)
    for (let i = 0; i < N; i++) l.write(randomSkewedString(i, w))
    const r = prng(301)
    for (let i = 0; i < N; i++) expect(l.read()).toBe(randomSkewedString(i, r))
    expect(l.read()).toBe("EOF")
  })

  it("ReadError", () => {
    const l = t()
    l.write("foo")
    l.forceErrorAt(0)
    expect(l.read()).toBe("EOF")
    expect(l.droppedBytes()).toBe(kBlockSize)
    expect(l.matchError("read error")).toBe(true)
  })

  it("BadRecordType", () => {
    const l = t()
    l.write("foo")
    // Type is stored in header[6]
    l.incrementByte(6, 100)
    l.fixChecksum(0, 3, false)
    expect(l.read()).toBe("EOF")
    expect(l.droppedBytes()).toBe(3)
    expect(l.matchError("unknown record type")).toBe(true)
  })

  it("IgnorableRecordType", () => {
    const l = t()
    l.write("foo")
    l.incrementByte(6, 0x80 + 100)
    l.fixChecksum(0, 3, false)
    expect(l.read()).toBe("EOF")
    expect(l.droppedBytes()).toBe(0)
    expect(l.reportMessage()).toBe("")
  })

  it("TruncatedTrailingRecordIsIgnored", () => {
    const l = t()
    l.write("foo")
    l.shrinkSize(4) // Drop all payload as well as a header byte
    expect(l.read()).toBe("EOF")
    // Truncated last record is ignored, not treated as an error
    expect(l.droppedBytes()).toBe(0)
    expect(l.reportMessage()).toBe("")
  })

  it("TruncatedTrailingRecordIsNotIgnored", () => {
    const l = t()
    l.write("foo")
    l.shrinkSize(4)
    expect(l.read(kAbsoluteConsistency)).toBe("EOF")
    expect(l.droppedBytes()).toBeGreaterThan(0)
    expect(l.matchError("Corruption: truncated header")).toBe(true)
  })

  it("BadLength", () => {
    const l = t()
    const kPayloadSize = kBlockSize - l.headerSize
    l.write(bigString("bar", kPayloadSize))
    l.write("foo")
    // Least significant size byte is stored in header[4].
    l.incrementByte(4, 1)
    if (!recyclable) {
      expect(l.read()).toBe("foo")
      expect(l.droppedBytes()).toBe(kBlockSize)
      expect(l.matchError("bad record length")).toBe(true)
    } else {
      expect(l.read()).toBe("EOF")
    }
  })

  it("BadLengthAtEndIsIgnored", () => {
    const l = t()
    l.write("foo")
    l.shrinkSize(1)
    expect(l.read()).toBe("EOF")
    expect(l.droppedBytes()).toBe(0)
    expect(l.reportMessage()).toBe("")
  })

  it("BadLengthAtEndIsNotIgnored", () => {
    const l = t()
    l.write("foo")
    l.shrinkSize(1)
    expect(l.read(kAbsoluteConsistency)).toBe("EOF")
    expect(l.droppedBytes()).toBeGreaterThan(0)
    expect(l.matchError("Corruption: truncated record body")).toBe(true)
  })

  it("ChecksumMismatch", () => {
    const l = t()
    l.write("foooooo")
    l.incrementByte(0, 14)
    expect(l.read()).toBe("EOF")
    if (!recyclable) {
      expect(l.droppedBytes()).toBe(14)
      expect(l.matchError("checksum mismatch")).toBe(true)
    } else {
      expect(l.droppedBytes()).toBe(0)
      expect(l.reportMessage()).toBe("")
    }
  })

  it("UnexpectedMiddleType", () => {
    const l = t()
    l.write("foo")
    l.setByte(6, Middle)
    l.fixChecksum(0, 3, recyclable)
    expect(l.read()).toBe("EOF")
    expect(l.droppedBytes()).toBe(3)
    expect(l.matchError("missing start")).toBe(true)
  })

  it("UnexpectedLastType", () => {
    const l = t()
    l.write("foo")
    l.setByte(6, Last)
    l.fixChecksum(0, 3, recyclable)
    expect(l.read()).toBe("EOF")
    expect(l.droppedBytes()).toBe(3)
    expect(l.matchError("missing start")).toBe(true)
  })

  it("UnexpectedFullType", () => {
    const l = t()
    l.write("foo")
    l.write("bar")
    l.setByte(6, First)
    l.fixChecksum(0, 3, recyclable)
    expect(l.read()).toBe("bar")
    expect(l.read()).toBe("EOF")
    expect(l.droppedBytes()).toBe(3)
    expect(l.matchError("partial record without end")).toBe(true)
  })

  it("UnexpectedFirstType", () => {
    const l = t()
    l.write("foo")
    l.write(bigString("bar", 100_000))
    l.setByte(6, First)
    l.fixChecksum(0, 3, recyclable)
    expect(l.read()).toBe(bigString("bar", 100_000))
    expect(l.read()).toBe("EOF")
    expect(l.droppedBytes()).toBe(3)
    expect(l.matchError("partial record without end")).toBe(true)
  })

  it("MissingLastIsIgnored", () => {
    const l = t()
    l.write(bigString("bar", kBlockSize))
    // Remove the LAST block, including header.
    l.shrinkSize(14)
    expect(l.read()).toBe("EOF")
    expect(l.reportMessage()).toBe("")
    expect(l.droppedBytes()).toBe(0)
  })

  it("MissingLastIsNotIgnored", () => {
    const l = t()
    l.write(bigString("bar", kBlockSize))
    l.shrinkSize(14)
    expect(l.read(kAbsoluteConsistency)).toBe("EOF")
    expect(l.droppedBytes()).toBeGreaterThan(0)
    expect(l.matchError("Corruption: error reading trailing data")).toBe(true)
  })

  it("PartialLastIsIgnored", () => {
    const l = t()
    l.write(bigString("bar", kBlockSize))
    // Cause a bad record length in the LAST block.
    l.shrinkSize(1)
    expect(l.read()).toBe("EOF")
    expect(l.reportMessage()).toBe("")
    expect(l.droppedBytes()).toBe(0)
  })

  it("PartialLastIsNotIgnored", () => {
    const l = t()
    l.write(bigString("bar", kBlockSize))
    l.shrinkSize(1)
    expect(l.read(kAbsoluteConsistency)).toBe("EOF")
    expect(l.droppedBytes()).toBeGreaterThan(0)
    expect(l.matchError("Corruption: truncated record body")).toBe(true)
  })

  it("ErrorJoinsRecords", () => {
    // first(R1) last(R1) first(R2) last(R2): if the middle two fragments disappear,
    // first(R1) and last(R2) must never be joined into a "valid" record.
    const l = t()
    l.write(bigString("foo", kBlockSize))
    l.write(bigString("bar", kBlockSize))
    l.write("correct")
    // Wipe the middle block
    const b = l.contents()
    b.fill("x".charCodeAt(0), kBlockSize, 2 * kBlockSize)
    l.setContents(b)
    if (!recyclable) {
      expect(l.read()).toBe("correct")
      expect(l.read()).toBe("EOF")
      const dropped = l.droppedBytes()
      expect(dropped).toBeLessThanOrEqual(2 * kBlockSize + 100)
      expect(dropped).toBeGreaterThanOrEqual(2 * kBlockSize)
    } else {
      expect(l.read()).toBe("EOF")
    }
  })

  it("ClearEofSingleBlock", () => {
    const l = t()
    l.write("foo")
    l.write("bar")
    l.forceEof(3 + l.headerSize + 2)
    expect(l.read()).toBe("foo")
    l.forceEof(Number.POSITIVE_INFINITY)
    l.unmarkEof()
    expect(l.read()).toBe("bar")
    expect(l.isEof()).toBe(true)
    expect(l.read()).toBe("EOF")
    l.write("xxx")
    l.unmarkEof()
    expect(l.read()).toBe("xxx")
    expect(l.isEof()).toBe(true)
  })

  it("ClearEofMultiBlock", () => {
    const l = t()
    const numFullBlocks = 5
    const n = (kBlockSize - l.headerSize) * numFullBlocks + 25
    l.write(bigString("foo", n))
    l.write(bigString("bar", n))
    l.forceEof(n + numFullBlocks * l.headerSize + l.headerSize + 3)
    expect(l.read()).toBe(bigString("foo", n))
    expect(l.isEof()).toBe(true)
    l.forceEof(Number.POSITIVE_INFINITY)
    l.unmarkEof()
    expect(l.read()).toBe(bigString("bar", n))
    expect(l.isEof()).toBe(true)
    l.write("xxx")
    l.unmarkEof()
    expect(l.read()).toBe("xxx")
    expect(l.isEof()).toBe(true)
  })

  it("ClearEofError", () => {
    // After a read error in UnmarkEOF, records already buffered are still returned, then EOF.
    const l = t()
    l.write("foo")
    l.write("bar")
    l.unmarkEof()
    expect(l.read()).toBe("foo")
    expect(l.isEof()).toBe(true)
    const end = l.writtenBytes()
    l.write("xxx")
    l.forceErrorAt(end) // ForceError(0)
    l.unmarkEof()
    expect(l.read()).toBe("bar")
    expect(l.read()).toBe("EOF")
  })

  it("ClearEofError2", () => {
    const l = t()
    l.write("foo")
    l.write("bar")
    l.unmarkEof()
    expect(l.read()).toBe("foo")
    const end = l.writtenBytes()
    l.write("xxx")
    l.forceErrorAt(end + 3) // ForceError(3)
    l.unmarkEof()
    expect(l.read()).toBe("bar")
    expect(l.read()).toBe("EOF")
    expect(l.droppedBytes()).toBe(3)
    expect(l.matchError("read error")).toBe(true)
  })

  it("Recycle", () => {
    if (!recyclable) return // only valid for recycled logs
    const l = t()
    for (const m of ["foo", "bar", "baz", "bif", "blitz"]) l.write(m)
    while (l.writtenBytes() < kBlockSize * 2) l.write("xxxxxxxxxxxxxxxx")
    const recycleWriter = new LogWriter(l.fs.openWritable(l.path, { reuse: true }), { logNumber: 123, recycleLogFiles: true })
    recycleWriter.addRecord(new TextEncoder().encode("foooo"))
    recycleWriter.addRecord(new TextEncoder().encode("bar"))
    expect(l.writtenBytes()).toBeGreaterThanOrEqual(kBlockSize * 2)
    expect([l.read(), l.read(), l.read()]).toEqual(["foooo", "bar", "EOF"])
  })

  it("Recycle with a new log number: the stale records are old records, not data", () => {
    if (!recyclable) return
    const l = t()
    for (let i = 0; i < 3000; i++) l.write(`old-${i}`)
    const w = new LogWriter(l.fs.openWritable(l.path, { reuse: true }), { logNumber: 124, recycleLogFiles: true })
    w.addRecord(new TextEncoder().encode("new-0"))
    w.addRecord(new TextEncoder().encode("new-1"))
    for (const mode of Object.values(WalRecoveryMode)) {
      const r = new LogReader(
        { read: (p, into, o, n) => l.fs.openReadable(l.path).read(p, into, o, n) },
        { logNumber: 124, recoveryMode: mode },
      )
      const got: string[] = []
      for (let rec = r.readRecord(); rec; rec = r.readRecord()) got.push(new TextDecoder().decode(rec.data))
      if (mode === "skip-any-corrupted-records") {
        // Salvage mode skips stale records one by one and never returns one.
        expect(got).toEqual(["new-0", "new-1"])
      } else {
        expect(got).toEqual(["new-0", "new-1"])
        expect(r.drops.filter((d) => d.reported)).toEqual([])
      }
      expect(r.oldLogRecord).toBe(mode === "point-in-time")
    }
  })

  it("user-defined timestamp sizes accumulate across records; size 0 is ignored; padded when it does not fit", () => {
    const l = t()
    l.writer.addUserDefinedTimestampSizeRecord([
      [1, 8],
      [2, 0],
    ])
    l.write("a")
    // Fill the block so that the next timestamp record cannot fit and must be padded.
    const used = l.writtenBytes()
    l.write(bigString("p", kBlockSize - used - 2 * l.headerSize - 3))
    l.writer.addUserDefinedTimestampSizeRecord([[3, 4]])
    l.write("b")
    const r = l.getReader(WalRecoveryMode.kAbsoluteConsistency)
    const got: string[] = []
    for (let rec = r.readRecord(); rec; rec = r.readRecord()) got.push(new TextDecoder().decode(rec.data).slice(0, 1))
    expect(got).toEqual(["a", "p", "b"])
    expect([...r.timestampSizes]).toEqual([
      [1, 8],
      [3, 4],
    ])
    expect(l.reportMessage()).toBe("")
    // The second timestamp record starts the second block.
    expect(l.contents()[kBlockSize + 6]).toBe(
      recyclable ? RecordType.kRecyclableUserDefinedTimestampSizeType : RecordType.kUserDefinedTimestampSizeType,
    )
  })
})

describe("metadata records", () => {
  /** Appends one physical record with a legacy header (as RocksDB writes these records). */
  const physical = (type: number, payload: Uint8Array): Uint8Array => {
    const out = new Uint8Array(7 + payload.length)
    const crc = Crc32c.mask(Crc32c.extend(Crc32c.value(Uint8Array.of(type)), payload))
    new DataView(out.buffer).setUint32(0, crc, true)
    out[4] = payload.length & 0xff
    out[5] = payload.length >>> 8
    out[6] = type
    out.set(payload, 7)
    return out
  }
  const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]))
  const read = (bytes: Uint8Array) => {
    const r = new LogReader(bytesSource(bytes), { logNumber: 1, recoveryMode: "absolute-consistency" })
    const got: string[] = []
    for (let rec = r.readRecord(); rec; rec = r.readRecord()) got.push(new TextDecoder().decode(rec.data))
    return { r, got }
  }
  const foo = physical(RecordType.kFullType, new TextEncoder().encode("foo"))

  it("kSetCompressionType with no compression (0) is accepted; a real codec is WalNotSupported, never returned as data", () => {
    expect(read(concat(physical(RecordType.kSetCompressionType, Uint8Array.of(0, 0, 0, 0)), foo)).got).toEqual(["foo"])
    const zstd = concat(physical(RecordType.kSetCompressionType, Uint8Array.of(7, 0, 0, 0)), foo)
    expect(() => read(zstd)).toThrow(WalNotSupported)
  })

  it("kPredecessorWALInfoType is decoded and skipped", () => {
    const info = new Uint8Array(24)
    const dv = new DataView(info.buffer)
    dv.setBigUint64(0, 41n, true)
    dv.setBigUint64(8, 4096n, true)
    dv.setBigUint64(16, 1234n, true)
    const { r, got } = read(concat(physical(RecordType.kPredecessorWALInfoType, info), foo))
    expect(got).toEqual(["foo"])
    expect(r.predecessorWalInfo).toEqual({ logNumber: 41n, sizeBytes: 4096n, lastSequence: 1234n })
    expect(r.drops).toEqual([])
  })

  it("a timestamp size that changes for a column family is reported", () => {
    const ts = (cf: number, size: number) => {
      const p = new Uint8Array(6)
      new DataView(p.buffer).setUint32(0, cf, true)
      new DataView(p.buffer).setUint16(4, size, true)
      return physical(RecordType.kUserDefinedTimestampSizeType, p)
    }
    const { r, got } = read(concat(ts(2, 8), foo, ts(2, 4), foo))
    expect(got).toEqual(["foo", "foo"])
    expect(r.drops.map((d) => d.reason)).toEqual(["timestamp size of column family 2 changed from 8 to 4"])
  })
})
