/**
 * LMDB through `lmdb` 3. lmdb-js batches every write of an event turn into one
 * transaction committed on its own thread: its built-in group commit. Durable write:
 * the default `overlappingSync` (the fsync runs after the commit, outside the write lock)
 * with `separateFlushed`, awaiting each put's `flushed` promise; no-sync runs open with
 * `noSync`. Both are chosen at open, from the run's mode.
 */
import { join } from "node:path"
import type { Engine, EngineHandle } from "../Engine.ts"
import { importOptional } from "./importOptional.ts"

type WritePromise = Promise<boolean> & { readonly flushed?: Promise<unknown> }
interface LmdbDb {
  put(key: Uint8Array, value: Uint8Array): WritePromise
  get(key: Uint8Array): Uint8Array | undefined
  getKeys(options: { start: Uint8Array; end: Uint8Array; limit: number }): Iterable<unknown>
  close(): Promise<void>
}
interface LmdbModule {
  open(options: Record<string, unknown>): LmdbDb
}

let loaded: LmdbModule | undefined

export const lmdb: Engine = {
  name: "lmdb",
  strategy: null,
  kind: "peer",
  async probe() {
    const m = await importOptional<LmdbModule>("lmdb")
    if (!m.ok) return m.reason
    loaded = m.module
    return null
  },
  async open(dir, { sync }): Promise<EngineHandle> {
    if (loaded === undefined) throw new Error("lmdb: probe() first")
    const db = loaded.open({
      path: join(dir, "data.mdb"),
      keyEncoding: "binary",
      encoding: "binary",
      compression: false,
      ...(sync ? { separateFlushed: true } : { noSync: true }),
    })
    return {
      async put(key, value) {
        const written = db.put(key, value)
        await (sync && written.flushed !== undefined ? written.flushed : written)
      },
      get: async (key) => db.get(key),
      async scan(start, end, limit) {
        let n = 0
        for (const _ of db.getKeys({ start, end, limit })) n++
        return n
      },
      close: () => db.close(),
    }
  },
}
