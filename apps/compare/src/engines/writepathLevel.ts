/**
 * writepath through `@writepath/level` (an abstract-level 3 database): the same engine as
 * `writepath`, reached the way classic-level users would reach it, so the report shows what
 * the level layer (encodings, deferred open, iterator wrapping) costs beside the native API.
 * Durable write: `put(..., { sync: true })`, passed to the engine's WriteOptions::sync. The
 * strategy is the engine's default (`WRITEPATH_STRATEGY`, else classic).
 */
import type { Engine, EngineHandle, EngineStats } from "../Engine.ts"
import { importOptional } from "./importOptional.ts"

interface LevelDb {
  open(): Promise<void>
  put(key: Uint8Array, value: Uint8Array, options: { sync: boolean }): Promise<void>
  get(key: Uint8Array): Promise<Uint8Array | undefined>
  keys(options: { gte: Uint8Array; lt: Uint8Array; limit: number }): AsyncIterable<Uint8Array>
  close(): Promise<void>
  readonly database: { stats(): { groups: number; meanGroupSize: number; walSyncs: number } }
}
interface LevelModule {
  WritepathLevel: new (location: string, options: { keyEncoding: "view"; valueEncoding: "view" }) => LevelDb
}

let loaded: LevelModule | undefined

export const writepathLevel: Engine = {
  name: "writepath-level",
  strategy: null,
  kind: "peer",
  async probe() {
    const m = await importOptional<LevelModule>("@writepath/level")
    if (!m.ok) return m.reason
    if (typeof m.module.WritepathLevel !== "function") return "@writepath/level does not export WritepathLevel"
    loaded = m.module
    return null
  },
  async open(dir): Promise<EngineHandle> {
    if (loaded === undefined) throw new Error("writepath-level: probe() first")
    const db = new loaded.WritepathLevel(dir, { keyEncoding: "view", valueEncoding: "view" })
    await db.open()
    return {
      put: (key, value, { sync }) => db.put(key, value, { sync }),
      get: (key) => db.get(key),
      async scan(gte, lt, limit) {
        let n = 0
        for await (const _ of db.keys({ gte, lt, limit })) n++
        return n
      },
      stats(): EngineStats {
        const s = db.database.stats()
        return { groups: s.groups, meanGroupSize: s.meanGroupSize, walSyncs: s.walSyncs }
      },
      close: () => db.close(),
    }
  },
}
