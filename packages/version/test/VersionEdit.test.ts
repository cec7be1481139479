/**
 * VersionEdit codec: golden bytes worked out by hand from db/version_edit.cc, fast-check round
 * trips, and LevelDB's decode errors.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { decodeVersionEdit, encodeVersionEdit, type VersionEdit } from "../src/index.ts"

const te = new TextEncoder()
const ikey = (user: string, seq: number, type: number): Uint8Array => Uint8Array.from([...te.encode(user), type, seq, 0, 0, 0, 0, 0, 0])

describe("VersionEdit golden bytes", () => {
  it("encodes fields in LevelDB's order with LevelDB's tags", () => {
    const edit: VersionEdit = {
      newFiles: [{ level: 0, number: 7, fileSize: 1000, smallest: ikey("a", 1, 1), largest: ikey("b", 2, 0) }],
      deletedFiles: [
        { level: 1, number: 5 },
        { level: 0, number: 4 },
      ],
      lastSequence: 300,
      nextFileNumber: 8,
      logNumber: 6,
      prevLogNumber: 0,
      comparator: "leveldb.BytewiseComparator",
    }
    expect([...encodeVersionEdit(edit)]).toEqual([
      ...[1, 26, ...te.encode("leveldb.BytewiseComparator")], // kComparator
      ...[2, 6], //                                              kLogNumber 6
      ...[9, 0], //                                              kPrevLogNumber 0
      ...[3, 8], //                                              kNextFileNumber 8
      ...[4, 0xac, 0x02], //                                     kLastSequence 300
      ...[6, 0, 4], //                                           kDeletedFile level 0 #4 (sorted)
      ...[6, 1, 5], //                                           kDeletedFile level 1 #5
      ...[7, 0, 7, 0xe8, 0x07], //                               kNewFile level 0 #7, 1000 bytes
      ...[9, 0x61, 1, 1, 0, 0, 0, 0, 0, 0], //                   smallest "a"@1 Put
      ...[9, 0x62, 0, 2, 0, 0, 0, 0, 0, 0], //                   largest "b"@2 Delete
    ])
  })

  it("reports LevelDB's decode errors", () => {
    expect(decodeVersionEdit(Uint8Array.of(8, 1))).toBe("VersionEdit: unknown tag")
    expect(decodeVersionEdit(Uint8Array.of(2))).toBe("VersionEdit: log number")
    expect(decodeVersionEdit(Uint8Array.of(6, 7, 1))).toBe("VersionEdit: deleted file") // level 7 >= kNumLevels
    expect(decodeVersionEdit(Uint8Array.of(7, 0, 1, 1, 5, 0x61))).toBe("VersionEdit: new-file entry")
    expect(decodeVersionEdit(Uint8Array.of(1, 5, 0x61))).toBe("VersionEdit: comparator name")
    expect(decodeVersionEdit(new Uint8Array(0))).toEqual({})
  })
})

const key = fc.uint8Array({ minLength: 1, maxLength: 30 })
const num = fc.oneof(fc.nat({ max: 1000 }), fc.maxSafeNat())
const edits: fc.Arbitrary<VersionEdit> = fc.record(
  {
    comparator: fc.string({ maxLength: 40 }),
    logNumber: num,
    prevLogNumber: num,
    nextFileNumber: num,
    lastSequence: num,
    compactPointers: fc.array(fc.record({ level: fc.integer({ min: 0, max: 6 }), key }), { minLength: 1, maxLength: 3 }),
    deletedFiles: fc.uniqueArray(fc.record({ level: fc.integer({ min: 0, max: 6 }), number: num }), {
      minLength: 1,
      maxLength: 5,
      selector: (d) => `${d.level}/${d.number}`,
    }),
    newFiles: fc.array(fc.record({ level: fc.integer({ min: 0, max: 6 }), number: num, fileSize: num, smallest: key, largest: key }), {
      minLength: 1,
      maxLength: 5,
    }),
  },
  { requiredKeys: [] },
)

describe("VersionEdit round trip (fast-check)", () => {
  it("decode(encode(e)) = e, deleted files sorted", () => {
    fc.assert(
      fc.property(edits, (e) => {
        const d = decodeVersionEdit(encodeVersionEdit(e))
        const want = e.deletedFiles
          ? { ...e, deletedFiles: [...e.deletedFiles].sort((a, b) => a.level - b.level || a.number - b.number) }
          : e
        expect(d).toEqual(want)
      }),
      { numRuns: 300 },
    )
  })

  it("any truncation of an encoded edit is an error or a shorter valid edit, never a throw", () => {
    fc.assert(
      fc.property(edits, fc.nat(), (e, cut) => {
        const bytes = encodeVersionEdit(e)
        const d = decodeVersionEdit(bytes.subarray(0, cut % (bytes.length + 1)))
        expect(typeof d === "string" || typeof d === "object").toBe(true)
      }),
      { numRuns: 200 },
    )
  })
})
