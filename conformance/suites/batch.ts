import { WriteBatch } from "@writepath/batch"
import { assertEqual, assertThrows, type Suite } from "../harness.ts"

const text = (b: Uint8Array): string => new TextDecoder().decode(b)

export const batchSuite: Suite = () => [
  {
    name: "encodes RocksDB's byte layout",
    run: () => {
      const b = new WriteBatch().put("foo", "bar").delete("k", 3)
      b.sequence = 100
      assertEqual(Array.from(b.data), [100, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 3, 102, 111, 111, 3, 98, 97, 114, 4, 3, 1, 107], "bytes")
    },
  },
  {
    name: "round-trips through raw bytes and iterates every record",
    run: () => {
      const b = new WriteBatch().put("a", "1").merge("m", "x", 2).deleteRange("a", "z").putLogData("log").singleDelete("s")
      b.sequence = 2 ** 40
      const r = WriteBatch.fromBytes(b.data.slice())
      assertEqual(r.sequence, 2 ** 40, "sequence")
      assertEqual(r.count, 4, "count")
      const ops = [...r.records()].map((x) => `${x.op}:${"key" in x ? text(x.key) : "value" in x ? text(x.value) : ""}`)
      assertEqual(ops, ["Put:a", "Merge:m", "DeleteRange:a", "LogData:log", "SingleDelete:s"], "records")
    },
  },
  {
    name: "rejects corrupt input with typed errors",
    run: () => {
      assertThrows(() => WriteBatch.fromBytes(new Uint8Array(5)), "WriteBatchCorruption", "too small")
      const bytes = new WriteBatch().put("a", "b").data.slice()
      bytes[8] = 9
      assertThrows(() => WriteBatch.fromBytes(bytes).iterate({}), "WriteBatchCorruption", "wrong count")
      assertThrows(() => new WriteBatch({ maxBytes: 14 }).put("a", "b"), "MemoryLimit", "maxBytes")
    },
  },
]
