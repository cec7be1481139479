import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { InvalidArgument, WriteBatch, WriteBatchCorruption, type WriteBatchRecord } from "../src/index.ts"

type Op =
  | { op: "Put" | "Merge"; key: Uint8Array; value: Uint8Array; cf: number }
  | { op: "Delete" | "SingleDelete"; key: Uint8Array; cf: number }
  | { op: "DeleteRange"; key: Uint8Array; end: Uint8Array; cf: number }
  | { op: "LogData"; value: Uint8Array }

const bytes = fc.uint8Array({ maxLength: 40 })
const cf = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 70000 }))
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom("Put" as const, "Merge" as const), key: bytes, value: bytes, cf }),
  fc.record({ op: fc.constantFrom("Delete" as const, "SingleDelete" as const), key: bytes, cf }),
  fc.record({ op: fc.constant("DeleteRange" as const), key: bytes, end: bytes, cf }),
  fc.record({ op: fc.constant("LogData" as const), value: bytes }),
)

const build = (ops: ReadonlyArray<Op>): WriteBatch => {
  const b = new WriteBatch({ reservedBytes: 12 })
  for (const o of ops) {
    switch (o.op) {
      case "Put":
        b.put(o.key, o.value, o.cf)
        break
      case "Merge":
        b.merge(o.key, o.value, o.cf)
        break
      case "Delete":
        b.delete(o.key, o.cf)
        break
      case "SingleDelete":
        b.singleDelete(o.key, o.cf)
        break
      case "DeleteRange":
        b.deleteRange(o.key, o.end, o.cf)
        break
      case "LogData":
        b.putLogData(o.value)
        break
    }
  }
  return b
}

const normalize = (r: WriteBatchRecord): unknown => JSON.parse(JSON.stringify(r, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v)))
const normalizeOp = (o: Op): unknown => normalize(o as unknown as WriteBatchRecord)

describe("WriteBatch properties", () => {
  it("any op sequence round-trips through raw bytes: same records, count and sequence", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (ops, seq) => {
        const b = build(ops)
        b.sequence = seq
        const r = WriteBatch.fromBytes(b.data.slice())
        expect(r.sequence).toBe(seq)
        expect(r.count).toBe(ops.filter((o) => o.op !== "LogData").length)
        expect([...r.records()].map(normalize)).toEqual(ops.map(normalizeOp))
      }),
    )
  })

  it("append of many batches equals one batch built from all their ops", () => {
    fc.assert(
      fc.property(fc.array(fc.array(opArb, { maxLength: 8 }), { maxLength: 6 }), (groups) => {
        const dst = new WriteBatch()
        for (const g of groups) WriteBatch.append(dst, build(g))
        const one = build(groups.flat())
        expect(Array.from(dst.data)).toEqual(Array.from(one.data))
        const sizes = groups.map((g) => build(g).byteSize)
        expect(sizes.reduce((a, s) => WriteBatch.appendedByteSize(a, s), 0)).toBe(groups.length === 0 ? 0 : one.byteSize)
      }),
    )
  })

  // A cut at a record boundary that drops only uncounted records (LogData) leaves a valid batch, as in
  // RocksDB: the count cannot see it. Any other cut is a typed error after a prefix of the records.
  it("truncation at any offset: a typed error after a prefix of the records, never a wrong record", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 12 }), fc.nat(), (ops, cut) => {
        const full = build(ops)
        const at = cut % full.byteSize // strictly shorter than the batch
        const expected = ops.map(normalizeOp)
        const seen: unknown[] = []
        let error: unknown
        try {
          for (const r of WriteBatch.fromBytes(full.data.slice(0, at)).records()) seen.push(normalize(r))
        } catch (e) {
          error = e
        }
        expect(seen).toEqual(expected.slice(0, seen.length))
        if (error === undefined) expect(ops.slice(seen.length).every((o) => o.op === "LogData")).toBe(true)
        else expect(error).toBeInstanceOf(WriteBatchCorruption)
      }),
    )
  })

  it("random bytes never crash: records or a typed error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), (raw) => {
        try {
          const b = WriteBatch.fromBytes(raw)
          for (const _ of b.records());
          b.iterate({})
        } catch (e) {
          expect(e instanceof WriteBatchCorruption || e instanceof InvalidArgument).toBe(true)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it("savepoints: rollback restores exactly the bytes at the savepoint", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 10 }), fc.array(opArb, { maxLength: 10 }), (before, after) => {
        const b = build(before)
        const snapshot = Array.from(b.data)
        b.setSavePoint()
        for (const o of after) WriteBatch.append(b, build([o]))
        b.rollbackToSavePoint()
        expect(Array.from(b.data)).toEqual(snapshot)
      }),
    )
  })
})
