/**
 * LevelDB through `classic-level` 3. Durable write: `put(..., { sync: true })`, LevelDB's
 * WriteOptions::sync (fsync of its log before the write returns). Writes run on the libuv
 * thread pool, so their concurrency is capped by UV_THREADPOOL_SIZE.
 */
import type { Engine, EngineHandle } from "../Engine.ts"
import { importOptional } from "./importOptional.ts"

interface ClassicLevelDb {
  open(): Promise<void>
  put(key: Uint8Array, value: Uint8Array, options: { sync: boolean }): Promise<void>
  get(key: Uint8Array): Promise<Uint8Array | undefined>
  keys(options: { gte: Uint8Array; lt: Uint8Array; limit: number }): AsyncIterable<Uint8Array>
  close(): Promise<void>
}
interface ClassicLevelModule {
  ClassicLevel: new (location: string, options: { keyEncoding: "view"; valueEncoding: "view" }) => ClassicLevelDb
}

let loaded: ClassicLevelModule | undefined

export const classicLevel: Engine = {
  name: "classic-level",
  strategy: null,
  kind: "peer",
  async probe() {
    const m = await importOptional<ClassicLevelModule>("classic-level")
    if (!m.ok) return m.reason
    loaded = m.module
    return null
  },
  async open(dir): Promise<EngineHandle> {
    if (loaded === undefined) throw new Error("classic-level: probe() first")
    const db = new loaded.ClassicLevel(dir, { keyEncoding: "view", valueEncoding: "view" })
    await db.open()
    return {
      put: (key, value, { sync }) => db.put(key, value, { sync }),
      get: (key) => db.get(key),
      async scan(gte, lt, limit) {
        let n = 0
        for await (const _ of db.keys({ gte, lt, limit })) n++
        return n
      },
      close: () => db.close(),
    }
  },
}
