import * as fs from "node:fs"
import * as path from "node:path"
import { WriteBatch } from "@writepath/batch"
import { Crc32c, LogWriter, layerNode, makeNode, recoverLogs, WalManager } from "@writepath/wal"
import { Effect, Layer } from "effect"
import { assert, assertEqual, type Suite } from "../harness.ts"

const batch = (seq: number, key: string, value: string): Uint8Array => {
  const b = new WriteBatch().put(key, value)
  b.sequence = seq
  return b.data
}

/**
 * The WAL on this runtime: node:fs appends and fdatasync (both sync placements), a reopen and
 * a full recovery; WalManager's folder work through the runtime's @effect/platform FileSystem.
 */
export const walSuite: Suite = (env) => [
  {
    name: "CRC32C matches RocksDB's reference values",
    run: () => {
      assertEqual(Crc32c.value(new Uint8Array(32)), 0x8a9136aa, "32 zero bytes")
      assertEqual(Crc32c.value(new Uint8Array(32).fill(0xff)), 0x62a8ab43, "32 0xff bytes")
      assertEqual(Crc32c.unmask(Crc32c.mask(0x12345678)), 0x12345678, "mask round trip")
    },
  },
  ...(["blocking", "threadpool", "thread"] as const).map((syncOn) => ({
    name: `writes, fdatasyncs (${syncOn}), reopens and reads a WAL on ${env.runtime}`,
    run: async () => {
      const lf = makeNode({ syncOn })
      const file = path.join(env.tmpDir, `wal-${syncOn}`, "000007.log")
      fs.mkdirSync(path.dirname(file), { recursive: true })
      const w = new LogWriter(lf.openWritable(file), { logNumber: 7 })
      const big = "v".repeat(70_000) // FIRST, MIDDLE, LAST
      for (let i = 1; i <= 100; i++) w.addRecord(batch(i, `key${i}`, i === 50 ? big : `value${i}`))
      await w.sync()
      assertEqual(w.durableSize, fs.statSync(file).size, "durable size after fdatasync")
      await w.close()
      const r = recoverLogs(makeNode(), [{ logNumber: 7, path: file }], { recoveryMode: "absolute-consistency" })
      assertEqual(r.records.length, 100, "records")
      assertEqual(r.lastSequence, 100, "last sequence")
      const fifty = WriteBatch.fromBytes(r.records[49]!.batch)
      const rec = [...fifty.records()][0]!
      assert(rec.op === "Put" && new TextDecoder().decode(rec.value) === big, "the fragmented record round-trips")
    },
  })),
  {
    name: `WalManager rotates logs and fsyncs the folder through the ${env.runtime} FileSystem`,
    run: () =>
      Effect.runPromise(
        Effect.gen(function* () {
          const m = yield* WalManager.WalManager
          yield* m.newLog(3)
          yield* m.addRecord(batch(1, "a", "1"))
          yield* m.newLog()
          yield* m.addRecord(batch(2, "b", "2"))
          yield* m.sync
          const logs = yield* m.listLogs
          assertEqual(
            logs.map((l) => path.basename(l.path)),
            ["000003.log", "000004.log"],
            "log files",
          )
          const r = yield* m.recover()
          assertEqual(
            r.records.map((x) => x.sequence),
            [1, 2],
            "recovered sequences",
          )
          assertEqual(yield* m.deleteObsoleteLogs(4), [3], "deleted")
        }).pipe(
          Effect.provide(
            WalManager.layer({ dir: path.join(env.tmpDir, "walmanager") }).pipe(Layer.provide(Layer.merge(env.fileSystem, layerNode()))),
          ),
        ),
      ),
  },
]
