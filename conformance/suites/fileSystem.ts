import * as fs from "node:fs"
import * as path from "node:path"
import { FileSystem } from "@effect/platform"
import { WriteBatch } from "@writepath/batch"
import { Effect } from "effect"
import { assertEqual, type Suite } from "../harness.ts"

/**
 * The runtime's @effect/platform FileSystem writes, syncs and reads back a batch;
 * `node:fs` fdatasync (the WAL's sync) is exercised on the same file.
 */
export const fileSystemSuite: Suite = (env) => [
  {
    name: `write, fsync and read back a WriteBatch through the ${env.runtime} FileSystem layer`,
    run: () =>
      Effect.runPromise(
        Effect.gen(function* () {
          const fsys = yield* FileSystem.FileSystem
          const file = path.join(env.tmpDir, "batch.bin")
          const b = new WriteBatch().put("key", "value").delete("gone")
          b.sequence = 7
          yield* Effect.scoped(
            Effect.gen(function* () {
              const f = yield* fsys.open(file, { flag: "w" })
              yield* f.writeAll(b.data)
              yield* f.sync
            }),
          )
          const back = yield* fsys.readFile(file)
          const r = WriteBatch.fromBytes(back)
          assertEqual([r.sequence, r.count, r.byteSize], [7, 2, b.byteSize], "header")
          assertEqual(
            [...r.records()].map((x) => x.op),
            ["Put", "Delete"],
            "records",
          )
        }).pipe(Effect.provide(env.fileSystem)),
      ),
  },
  {
    name: "node:fs fdatasync is available and the bytes survive a reopen",
    run: () => {
      const file = path.join(env.tmpDir, "sync.bin")
      const fd = fs.openSync(file, "w")
      const data = new WriteBatch().put("a", "b").data
      fs.writeSync(fd, data)
      fs.fdatasyncSync(fd)
      fs.closeSync(fd)
      assertEqual(Array.from(fs.readFileSync(file)), Array.from(data), "bytes")
    },
  },
]
