/**
 * Model-based test: random puts, deletes, single deletes, merges, range deletions
 * and snapshots applied to a MemTable and to a plain-array reference model; gets at
 * every snapshot and iterator walks/seeks in both directions must agree.
 */
import { ValueType, WriteBatch } from "@writepath/batch"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { compareUserKeys, type GetResult, MemTable, type MemTableIterator } from "../src/index.ts"

const { kTypeValue, kTypeDeletion, kTypeSingleDeletion, kTypeMerge, kTypeRangeDeletion } = ValueType

interface Entry {
  readonly key: Uint8Array
  readonly seq: number
  readonly type: number
  readonly value: Uint8Array
}

type Op =
  | { readonly kind: "put" | "merge"; readonly key: Uint8Array; readonly value: Uint8Array; readonly path: Path }
  | { readonly kind: "delete" | "singleDelete"; readonly key: Uint8Array; readonly path: Path }
  | { readonly kind: "deleteRange"; readonly key: Uint8Array; readonly end: Uint8Array; readonly path: Path }
  | { readonly kind: "snapshot" }
type Path = "add" | "addConcurrently" | "batch"

// A small alphabet so keys collide, prefixes nest and ranges overlap.
const keyArb = fc.uint8Array({ minLength: 0, maxLength: 3, min: 0, max: 3 })
const valueArb = fc.uint8Array({ maxLength: 6 })
const pathArb = fc.constantFrom<Path>("add", "addConcurrently", "batch")
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constantFrom("put" as const, "merge" as const), key: keyArb, value: valueArb, path: pathArb }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom("delete" as const, "singleDelete" as const), key: keyArb, path: pathArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deleteRange" as const), key: keyArb, end: keyArb, path: pathArb }) },
  { weight: 1, arbitrary: fc.constant({ kind: "snapshot" as const }) },
)

const typeOf = (op: Exclude<Op, { kind: "snapshot" }>): number =>
  op.kind === "put"
    ? kTypeValue
    : op.kind === "merge"
      ? kTypeMerge
      : op.kind === "delete"
        ? kTypeDeletion
        : op.kind === "singleDelete"
          ? kTypeSingleDeletion
          : kTypeRangeDeletion

const internalOrder = (a: Entry, b: Entry): number => compareUserKeys(a.key, b.key) || b.seq - a.seq || b.type - a.type

/** The reference: what RocksDB's MemTable::Get answers, restated over a plain list. */
const modelGet = (points: Entry[], ranges: Entry[], key: Uint8Array, snap: number): unknown => {
  let tomb = -1
  for (const r of ranges) {
    if (r.seq <= snap && compareUserKeys(r.key, key) <= 0 && compareUserKeys(key, r.value) < 0 && r.seq > tomb) tomb = r.seq
  }
  const versions = points.filter((e) => e.seq <= snap && compareUserKeys(e.key, key) === 0).sort(internalOrder)
  const operands: number[][] = []
  let base: unknown
  for (const e of versions) {
    if (e.seq < tomb) break
    if (e.type === kTypeValue) {
      base = { _tag: "Found", value: [...e.value], sequence: e.seq }
      break
    }
    if (e.type === kTypeDeletion || e.type === kTypeSingleDeletion) {
      base = { _tag: "Deleted", sequence: e.seq, byRangeTombstone: false }
      break
    }
    operands.push([...e.value])
  }
  if (base === undefined && tomb >= 0) base = { _tag: "Deleted", sequence: tomb, byRangeTombstone: true }
  base ??= { _tag: "NotFound" }
  return operands.length > 0 ? { _tag: "MergeOperands", operands, base } : base
}

const plain = (r: GetResult): unknown => {
  switch (r._tag) {
    case "Found":
      return { _tag: "Found", value: [...r.value], sequence: r.sequence }
    case "MergeOperands":
      return { _tag: "MergeOperands", operands: r.operands.map((o) => [...o]), base: plain(r.base) }
    default:
      return { ...r }
  }
}

const row = (it: MemTableIterator): string => `${[...it.key()]}@${it.sequence}:${it.type}=${[...it.value()]}`
const rowOf = (e: Entry): string => `${[...e.key]}@${e.seq}:${e.type}=${[...e.value]}`

describe("MemTable against a reference model", () => {
  it("gets, iteration and seeks agree at every snapshot", () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 60 }),
        fc.array(keyArb, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.integer({ min: 1, max: 12 }),
        (ops, probes, seed, maxHeight) => {
          const m = MemTable.make({ seed, maxHeight, writeBufferSize: 256 * 1024 })
          const points: Entry[] = []
          const ranges: Entry[] = []
          const snapshots: number[] = [0]
          let seq = 0
          for (const op of ops) {
            if (op.kind === "snapshot") {
              snapshots.push(seq)
              continue
            }
            const type = typeOf(op)
            const value = op.kind === "put" || op.kind === "merge" ? op.value : op.kind === "deleteRange" ? op.end : new Uint8Array(0)
            seq++
            ;(type === kTypeRangeDeletion ? ranges : points).push({ key: op.key, seq, type, value })
            if (op.path === "batch") {
              const wb = new WriteBatch()
              if (op.kind === "put") wb.put(op.key, op.value)
              else if (op.kind === "merge") wb.merge(op.key, op.value)
              else if (op.kind === "delete") wb.delete(op.key)
              else if (op.kind === "singleDelete") wb.singleDelete(op.key)
              else wb.deleteRange(op.key, value) // value is the end key here
              expect(m.insertBatch(wb, seq)).toBe(seq + 1)
            } else if (op.path === "add") {
              m.add(seq, type, op.key, value)
            } else {
              m.addConcurrently(seq, type, op.key, value)
            }
          }
          snapshots.push(seq)
          expect(m.numEntries).toBe(points.length + ranges.length)
          expect(m.numRangeDeletes).toBe(ranges.length)
          expect(m.numDeletes).toBe(points.filter((e) => e.type === kTypeDeletion || e.type === kTypeSingleDeletion).length)
          m.checkInvariants()
          const keys = [...probes, ...points.map((e) => e.key)]
          for (const snap of snapshots) {
            for (const k of keys) expect(plain(m.get(k, snap))).toEqual(modelGet(points, ranges, k, snap))
            const visible = points.filter((e) => e.seq <= snap).sort(internalOrder)
            const it = m.newIterator({ snapshot: snap })
            const fwd: string[] = []
            for (it.seekToFirst(); it.valid(); it.next()) fwd.push(row(it))
            expect(fwd).toEqual(visible.map(rowOf))
            const bwd: string[] = []
            for (it.seekToLast(); it.valid(); it.prev()) bwd.push(row(it))
            expect(bwd).toEqual(visible.map(rowOf).reverse())
            for (const target of probes) {
              it.seek(target)
              const ge = visible.find((e) => compareUserKeys(e.key, target) >= 0)
              expect(it.valid() ? row(it) : undefined).toBe(ge && rowOf(ge))
              it.seekForPrev(target)
              const le = visible.findLast((e) => compareUserKeys(e.key, target) <= 0)
              expect(it.valid() ? row(it) : undefined).toBe(le && rowOf(le))
            }
            const tombs: string[] = []
            const rit = m.newRangeTombstoneIterator({ snapshot: snap })
            for (rit.seekToFirst(); rit.valid(); rit.next()) tombs.push(row(rit))
            expect(tombs).toEqual(
              ranges
                .filter((e) => e.seq <= snap)
                .sort(internalOrder)
                .map(rowOf),
            )
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
