import { ValueType } from "@writepath/batch"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { MemTable, MemTableList, MemTables } from "../src/index.ts"

const { kTypeValue, kTypeDeletion, kTypeMerge, kTypeRangeDeletion } = ValueType
const enc = new TextEncoder()
const dec = new TextDecoder()
const b = (s: string): Uint8Array => enc.encode(s)
const NONE = new Uint8Array(0)

const show = (list: MemTableList, key: string, snapshot?: number): string => {
  const r = list.get(b(key), snapshot)
  switch (r._tag) {
    case "Found":
      return `found ${dec.decode(r.value)}@${r.sequence}`
    case "Deleted":
      return `deleted@${r.sequence}`
    case "NotFound":
      return "notfound"
    case "MergeOperands":
      return `merge [${r.operands.map((o) => dec.decode(o)).join(",")}] over ${r.base._tag}`
  }
}

describe("MemTableList", () => {
  it("looks through the mutable memtable, then immutables newest first", () => {
    const m1 = MemTable.make()
    m1.add(1, kTypeValue, b("a"), b("a1"))
    m1.add(2, kTypeValue, b("b"), b("b2"))
    m1.add(3, kTypeMerge, b("c"), b("base?"))
    m1.add(4, kTypeValue, b("r"), b("r4"))
    const list = new MemTableList(m1)
    const m2 = MemTable.make({ earliestSequence: 4 })
    expect(list.switchMemTable(m2)).toBe(m1)
    m2.add(5, kTypeDeletion, b("a"), NONE)
    m2.add(6, kTypeMerge, b("c"), b("+6"))
    m2.add(7, kTypeRangeDeletion, b("q"), b("s"))
    const m3 = MemTable.make({ earliestSequence: 7 })
    list.switchMemTable(m3)
    m3.add(8, kTypeMerge, b("c"), b("+8"))
    m3.add(9, kTypeValue, b("b"), b("b9"))

    expect(list.immutables).toEqual([m2, m1])
    expect(list.mutable).toBe(m3)
    expect(show(list, "a")).toBe("deleted@5")
    expect(show(list, "a", 4)).toBe("found a1@1")
    expect(show(list, "b")).toBe("found b9@9")
    expect(show(list, "b", 8)).toBe("found b2@2")
    expect(show(list, "c")).toBe("merge [+8,+6,base?] over NotFound")
    expect(show(list, "c", 6)).toBe("merge [+6,base?] over NotFound")
    expect(show(list, "r")).toBe("deleted@7") // a newer memtable's range tombstone hides older memtables
    expect(show(list, "r", 6)).toBe("found r4@4")
    expect(show(list, "zz")).toBe("notfound")
    expect(list.numEntries).toBe(9)
    expect(list.numImmutable).toBe(2)
    expect(list.approximateMemoryUsage()).toBe(m1.approximateMemoryUsage() + m2.approximateMemoryUsage() + m3.approximateMemoryUsage())

    expect(list.pickMemtablesToFlush()).toEqual([m1, m2])
    list.removeFlushed([m1])
    expect(list.immutables).toEqual([m2])
    expect(show(list, "a", 4)).toBe("notfound")
  })

  it("MemTables.layer provides a list with one empty mutable memtable; bad options fail typed", async () => {
    const n = await Effect.runPromise(
      Effect.gen(function* () {
        const list = yield* MemTables
        list.mutable.add(1, kTypeValue, b("k"), b("v"))
        return [list.numEntries, list.mutable.writeBufferSize]
      }).pipe(Effect.provide(MemTables.layer({ writeBufferSize: 1 << 20 }))),
    )
    expect(n).toEqual([1, 1 << 20])
    const err = await Effect.runPromise(Effect.flip(MemTables.make({ maxHeight: 0 })))
    expect(err._tag).toBe("InvalidEntry")
  })
})
