import { describe, expect, it } from "vitest"
import { InvalidArgument, MemoryLimit, SavePointNotFound, WriteBatch, WriteBatchCorruption, type WriteBatchHandler } from "../src/index.ts"
import { printContents } from "./printContents.ts"

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex")
const ascii = (s: string): string => Buffer.from(s).toString("hex")

describe("golden bytes (WRITE-PATH.md 4.1 layout, computed by hand)", () => {
  it("an empty batch is exactly the 12-byte header", () => {
    const b = new WriteBatch()
    expect(b.byteSize).toBe(12)
    expect(hex(b.data)).toBe("000000000000000000000000")
  })

  it("put/delete/merge/deleteRange/logData with default cf", () => {
    const b = new WriteBatch()
    b.put("foo", "bar").delete("box").merge("k", "v").deleteRange("a", "b").putLogData("blob").singleDelete("s")
    b.sequence = 100
    expect(hex(b.data)).toBe(
      "6400000000000000" + // sequence 100, fixed64 LE
        "05000000" + // count 5: LogData is not counted
        `0103${ascii("foo")}03${ascii("bar")}` +
        `0003${ascii("box")}` +
        `0201${ascii("k")}01${ascii("v")}` +
        `0f01${ascii("a")}01${ascii("b")}` +
        `0304${ascii("blob")}` +
        `0701${ascii("s")}`,
    )
  })

  it("column-family variants put the varint cf id right after the tag", () => {
    const b = new WriteBatch()
    b.put("k", "v", 5).delete("k", 300).singleDelete("k", 1).merge("k", "v", 2).deleteRange("a", "b", 3)
    expect(hex(b.data)).toBe(
      "0000000000000000" +
        "05000000" +
        `0505016b0176` + // kTypeColumnFamilyValue, cf 5
        `04ac02016b` + // kTypeColumnFamilyDeletion, cf 300 = varint ac 02
        `0801016b` +
        `0602016b0176` +
        `0e03016101 62`.replace(" ", ""),
    )
  })

  it("2PC markers: begin placeholder rewritten, end/commit/rollback carry the xid", () => {
    const b = new WriteBatch()
    b.markBeginPrepare()
    expect(hex(b.data.subarray(12))).toBe("0d") // Noop placeholder
    b.put("k", "v").markEndPrepare("xid1").markCommit("xid1").markRollback("xid1")
    expect(hex(b.data.subarray(12))).toBe(`09` + `01016b0176` + `0a04${ascii("xid1")}` + `0b04${ascii("xid1")}` + `0c04${ascii("xid1")}`)
    expect(b.count).toBe(1)
  })

  it("persisted and unprepared begin markers", () => {
    const p = new WriteBatch().markBeginPrepare().markEndPrepare("x", { writeAfterCommit: false })
    expect(p.data[12]).toBe(0x12)
    const u = new WriteBatch().markBeginPrepare().markEndPrepare("x", { writeAfterCommit: false, unpreparedBatch: true })
    expect(u.data[12]).toBe(0x13)
    expect(printContents(u)).toBe("MarkBeginPrepare(true)MarkEndPrepare(x)")
  })

  it("multi-byte UTF-8 strings and binary keys encode identically", () => {
    const a = new WriteBatch().put("ключ→😀", "é")
    const b = new WriteBatch().put(new TextEncoder().encode("ключ→😀"), new TextEncoder().encode("é"))
    expect(hex(a.data)).toBe(hex(b.data))
  })

  it("sequences above 2^32 round-trip through the fixed64 header", () => {
    const b = new WriteBatch()
    b.sequence = 2 ** 40 + 7
    expect(hex(b.data.subarray(0, 8))).toBe("0700000000010000")
    expect(WriteBatch.fromBytes(b.data).sequence).toBe(2 ** 40 + 7)
  })
})

describe("RocksDB write_batch_test", () => {
  it("Empty", () => {
    const b = new WriteBatch()
    expect(b.count).toBe(0)
    expect(printContents(b)).toBe("")
  })

  it("Multiple: seq 100 assigns 100..102 in record order", () => {
    const b = new WriteBatch()
    b.put("foo", "bar").delete("box").put("baz", "boo")
    b.sequence = 100
    expect(b.sequence).toBe(100)
    expect(b.count).toBe(3)
    expect(printContents(b)).toBe("Put(foo, bar)@100Delete(box)@101Put(baz, boo)@102")
  })

  it("Corruption: a batch truncated by one byte delivers Put@200 then fails on Delete", () => {
    const b = new WriteBatch().put("foo", "bar").delete("box")
    b.sequence = 200
    const truncated = WriteBatch.fromBytes(b.data.subarray(0, b.byteSize - 1))
    let seen = ""
    let err: unknown
    try {
      seen = ""
      truncated.iterate({ put: (_c, k, v) => void (seen += `Put(${Buffer.from(k)}, ${Buffer.from(v)})@200`) })
    } catch (e) {
      err = e
    }
    expect(seen).toBe("Put(foo, bar)@200")
    expect(err).toBeInstanceOf(WriteBatchCorruption)
    expect((err as WriteBatchCorruption).message).toBe("Corruption: bad WriteBatch Delete")
  })

  it("Append: counts add, records concatenate, sequence of dst kept", () => {
    const b1 = new WriteBatch()
    const b2 = new WriteBatch()
    b1.sequence = 200
    b2.sequence = 300
    WriteBatch.append(b1, b2)
    expect(printContents(b1)).toBe("")
    expect(b1.count).toBe(0)
    b2.put("a", "va")
    WriteBatch.append(b1, b2)
    expect(printContents(b1)).toBe("Put(a, va)@200")
    expect(b1.count).toBe(1)
    b2.clear()
    b2.put("b", "vb")
    WriteBatch.append(b1, b2)
    expect(printContents(b1)).toBe("Put(a, va)@200Put(b, vb)@201")
    b2.delete("foo")
    WriteBatch.append(b1, b2)
    expect(printContents(b1)).toBe("Put(a, va)@200Put(b, vb)@201Put(b, vb)@202Delete(foo)@203")
    expect(b1.count).toBe(4)
  })

  it("Append: the WAL termination point is honoured by a WAL-only append", () => {
    const dst = new WriteBatch()
    const src = new WriteBatch()
    src.put("a", "1")
    src.markWalTerminationPoint()
    src.put("b", "2")
    WriteBatch.append(dst, src, true)
    expect(printContents(dst)).toBe("Put(a, 1)@0")
    const full = new WriteBatch()
    WriteBatch.append(full, src, false)
    expect(printContents(full)).toBe("Put(a, 1)@0Put(b, 2)@1")
    expect(WriteBatch.appendedByteSize(full.byteSize, src.byteSize)).toBe(full.byteSize + src.byteSize - 12)
    expect(WriteBatch.appendedByteSize(0, src.byteSize)).toBe(src.byteSize)
  })

  it("SingleDeletion", () => {
    const b = new WriteBatch()
    b.sequence = 100
    b.put("a", "va").singleDelete("a")
    expect(printContents(b)).toBe("Put(a, va)@100SingleDelete(a)@101")
    expect(b.hasSingleDelete).toBe(true)
  })

  it("Blob: LogData is neither counted nor given a seq, and is delivered in order", () => {
    const b = new WriteBatch()
    b.put("k1", "v1")
      .put("k2", "v2")
      .put("k3", "v3")
      .putLogData("blob1")
      .delete("k2")
      .singleDelete("k3")
      .putLogData("blob2")
      .merge("foo", "bar")
    expect(b.count).toBe(6)
    expect(printContents(b)).toBe(
      "Put(k1, v1)@0Put(k2, v2)@1Put(k3, v3)@2LogData(blob1)Delete(k2)@3SingleDelete(k3)@4LogData(blob2)Merge(foo, bar)@5",
    )
  })

  it("PrepareCommit: markers in order; EndPrepare clears savepoints", () => {
    const b = new WriteBatch()
    b.markBeginPrepare()
    b.put("k1", "v1")
    b.setSavePoint()
    b.put("k2", "v2")
    b.markEndPrepare("xid1")
    expect(() => b.rollbackToSavePoint()).toThrow(SavePointNotFound)
    b.markCommit("xid1").markRollback("xid1")
    expect(b.count).toBe(2)
    expect(printContents(b)).toBe("MarkBeginPrepare(false)Put(k1, v1)@0Put(k2, v2)@1MarkEndPrepare(xid1)MarkCommit(xid1)MarkRollback(xid1)")
    expect(b.hasBeginPrepare && b.hasEndPrepare && b.hasCommit && b.hasRollback).toBe(true)
  })

  it("ContinueStopsMidBatch: continue() returning false stops and skips the count check", () => {
    const b = new WriteBatch().put("k1", "v1").put("k2", "v2").delete("k3")
    let n = 0
    b.iterate({ put: () => void n++, delete: () => void n++, continue: () => n < 2 })
    expect(n).toBe(2)
  })

  it("Put / Delete / SingleDelete / Merge are accepted by a handler that implements none of them", () => {
    const b = new WriteBatch().put("a", "b").delete("a").singleDelete("a").merge("a", "c").deleteRange("a", "z")
    expect(() => b.iterate({})).not.toThrow()
  })

  it("LargeKeyValueSizeLimit: oversize keys/values are InvalidArgument for every op", () => {
    // A real 4 GiB key is not allocatable in a test; a typed array that reports the size checks the same path.
    const sized = (n: number): Uint8Array => Object.setPrototypeOf({ length: n }, Uint8Array.prototype) as Uint8Array
    const huge = sized(2 ** 32 - 8)
    const b = new WriteBatch()
    const cases: Array<[() => unknown, string]> = [
      [() => b.put(huge, "v"), "Invalid argument: key is too large"],
      [() => b.delete(huge), "Invalid argument: key is too large"],
      [() => b.singleDelete(huge), "Invalid argument: key is too large"],
      [() => b.merge(huge, "v"), "Invalid argument: key is too large"],
      [() => b.deleteRange(huge, "z"), "Invalid argument: key is too large"],
      [() => b.put("k", sized(2 ** 32)), "Invalid argument: value is too large"],
      [() => b.putLogData(sized(2 ** 32)), "Invalid argument: value is too large"],
    ]
    for (const [f, msg] of cases) {
      expect(f).toThrow(InvalidArgument)
      expect(f).toThrow(msg)
    }
    expect(b.count).toBe(0)
    expect(b.byteSize).toBe(12)
  })

  it("ColumnFamiliesBatchTest: cf ids reach the handler", () => {
    const b = new WriteBatch().put("foo", "bar", 2).delete("x", 3).put("y", "z").singleDelete("s", 9).merge("m", "n", 7)
    expect(printContents(b)).toBe("Put(2:foo, bar)@0Delete(3:x)@1Put(y, z)@2SingleDelete(9:s)@3Merge(7:m, n)@4")
  })

  it("SavePointTest: nested set/rollback/pop; NotFound without a savepoint", () => {
    const b = new WriteBatch()
    expect(() => b.rollbackToSavePoint()).toThrow(SavePointNotFound)
    expect(() => b.popSavePoint()).toThrow("NotFound")
    b.setSavePoint()
    b.put("A", "a").put("B", "b")
    b.setSavePoint()
    b.put("C", "c").delete("A")
    b.setSavePoint()
    b.setSavePoint()
    b.rollbackToSavePoint()
    expect(printContents(b)).toBe("Put(A, a)@0Put(B, b)@1Put(C, c)@2Delete(A)@3")
    b.rollbackToSavePoint()
    b.rollbackToSavePoint()
    expect(printContents(b)).toBe("Put(A, a)@0Put(B, b)@1")
    expect(b.count).toBe(2)
    b.delete("A").put("B", "bb")
    b.rollbackToSavePoint()
    expect(printContents(b)).toBe("")
    expect(b.byteSize).toBe(12)
    expect(() => b.rollbackToSavePoint()).toThrow(SavePointNotFound)
    b.put("D", "d").delete("A")
    b.setSavePoint()
    b.put("A", "aaa")
    b.rollbackToSavePoint()
    expect(printContents(b)).toBe("Put(D, d)@0Delete(A)@1")
    b.setSavePoint()
    b.put("F", "f")
    b.popSavePoint()
    expect(() => b.rollbackToSavePoint()).toThrow(SavePointNotFound)
    expect(printContents(b)).toBe("Put(D, d)@0Delete(A)@1Put(F, f)@2")
  })

  it("MemoryLimitTest: max_bytes 28 fits two Puts of 8 bytes; the third is MemoryLimit and rolled back", () => {
    const b = new WriteBatch({ maxBytes: 28 })
    b.put("a", "....")
    b.put("b", "....")
    expect(b.byteSize).toBe(28)
    expect(() => b.put("c", "....")).toThrow(MemoryLimit)
    expect(b.byteSize).toBe(28)
    expect(b.count).toBe(2)
    expect(printContents(b)).toBe("Put(a, ....)@0Put(b, ....)@1")
  })
})

describe("bad input", () => {
  it("fewer than 12 bytes: malformed WriteBatch (too small)", () => {
    expect(() => WriteBatch.fromBytes(new Uint8Array(11))).toThrow("Corruption: malformed WriteBatch (too small)")
  })

  it("wrong count", () => {
    const b = new WriteBatch().put("a", "b")
    const bytes = b.data.slice()
    bytes[8] = 2
    expect(() => WriteBatch.fromBytes(bytes).iterate({})).toThrow("Corruption: WriteBatch has wrong count")
  })

  it("unknown tag", () => {
    const bytes = new WriteBatch().put("a", "b").data.slice()
    bytes[12] = 0x7e
    let err: unknown
    try {
      WriteBatch.fromBytes(bytes).iterate({})
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(WriteBatchCorruption)
    expect(err).toMatchObject({ _tag: "WriteBatchCorruption", reason: "unknown WriteBatch tag", offset: 12 })
  })

  it("TimedPut, PutEntity and BlobIndex records need a handler that understands them", () => {
    // kTypeValuePreferredSeqno: key "k", value "v" + fixed64 time 7
    const bytes = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x18, 1, 0x6b, 9, 0x76, 7, 0, 0, 0, 0, 0, 0, 0])
    const b = WriteBatch.fromBytes(bytes)
    expect(() => b.iterate({})).toThrow("Invalid argument: TimedPut not implemented")
    const got: Array<[string, bigint]> = []
    b.iterate({ timedPut: (_c, _k, v, t) => void got.push([Buffer.from(v).toString(), t]) })
    expect(got).toEqual([["v", 7n]])
    expect(b.hasTimedPut).toBe(true)
  })

  it("non-bytes keys are a typed error naming the type", () => {
    const b = new WriteBatch()
    expect(() => b.put(42 as unknown as string, "v")).toThrow("Invalid argument: expected a Uint8Array or string, got number")
    expect(() => b.put("k", "v", -1)).toThrow(InvalidArgument)
    expect(b.byteSize).toBe(12)
  })

  it("markEndPrepare without markBeginPrepare is rejected", () => {
    expect(() => new WriteBatch().put("a", "b").markEndPrepare("x")).toThrow(InvalidArgument)
    expect(() => new WriteBatch().put("a", "b").markBeginPrepare()).toThrow(InvalidArgument)
  })

  it("errors are yieldable tagged errors", () => {
    const e = new WriteBatchCorruption({ reason: "x" })
    expect(e._tag).toBe("WriteBatchCorruption")
    expect(e).toBeInstanceOf(Error)
    expect(String(e)).toContain("Corruption: x")
  })
})

describe("content flags", () => {
  it("are tracked by the builder and computed lazily from raw bytes", () => {
    const b = new WriteBatch().put("a", "b").merge("m", "n").deleteRange("a", "c")
    const r = WriteBatch.fromBytes(b.data)
    for (const x of [b, r]) {
      expect([x.hasPut, x.hasMerge, x.hasDeleteRange, x.hasDelete, x.hasSingleDelete, x.hasCommit]).toEqual([
        true,
        true,
        true,
        false,
        false,
        false,
      ])
    }
  })

  it("roll back with savepoints", () => {
    const b = new WriteBatch().put("a", "b")
    b.setSavePoint()
    b.merge("m", "n")
    expect(b.hasMerge).toBe(true)
    b.rollbackToSavePoint()
    expect(b.hasMerge).toBe(false)
    expect(b.hasPut).toBe(true)
  })
})

describe("records()", () => {
  it("yields every record kind as an object", () => {
    const b = new WriteBatch().markBeginPrepare().put("k", "v", 4).deleteRange("a", "b").putLogData("L").markEndPrepare("x")
    const recs = [...b.records()].map((r) => r.op)
    expect(recs).toEqual(["BeginPrepare", "Put", "DeleteRange", "LogData", "EndPrepare"])
  })

  it("checks the count like iterate", () => {
    const bytes = new WriteBatch().put("a", "b").data.slice()
    bytes[8] = 0
    expect(() => [...WriteBatch.fromBytes(bytes).records()]).toThrow("WriteBatch has wrong count")
  })

  it("handler methods are called with the batch as receiver-free functions", () => {
    const seen: string[] = []
    const h: WriteBatchHandler = { markNoop: (e) => void seen.push(`noop:${e}`), put: () => void seen.push("put") }
    new WriteBatch().insertNoop().put("a", "b").insertNoop().iterate(h)
    expect(seen).toEqual(["noop:true", "put", "noop:false"])
  })
})

describe("small-buffer slab", () => {
  it("batches carved from the same slab never see each other's bytes, also after growing", () => {
    const bs = Array.from({ length: 2000 }, (_, i) => new WriteBatch({ reservedBytes: 20 }).put(`k${i}`, "v".repeat(i % 50)))
    bs.forEach((b, i) => {
      b.sequence = i
    })
    bs.forEach((b, i) => {
      const [r] = [...b.records()]
      expect(b.sequence).toBe(i)
      expect(r).toMatchObject({ op: "Put", key: new TextEncoder().encode(`k${i}`) })
      expect(r && "value" in r ? r.value.length : -1).toBe(i % 50)
    })
  })
})
