/**
 * writepath, one Engine per write strategy, through @writepath/db's Promise API:
 *
 *   const db = await open({ path, strategy })
 *   await db.put(key, value, { sync }); await db.get(key)
 *   for await (const [k, v] of db.iterator({ gte, lt })) ...
 *   const t = db.beginTransaction({ name, writeOptions: { sync } }); t.put(k, v); await t.prepare(); await t.commit()
 *   db.stats() -> { groups, meanGroupSize, walSyncs, ... }; await db.close()
 *
 * The package is loaded at run time (each strategy reports "engine not built yet" as its
 * skip reason if it does not export `open`), so this app type-checks and runs whatever
 * state the engine is in; the interfaces below are the part of its API this adapter uses.
 */
import type { Engine, EngineHandle, EngineStats } from "../Engine.ts"
import { importOptional } from "./importOptional.ts"

export const strategies = ["classic", "pipelined", "two-queue", "concurrent-memtable"] as const
export type Strategy = (typeof strategies)[number]

interface WritepathTxn {
  put(key: Uint8Array, value: Uint8Array): void
  prepare(): Promise<void>
  commit(): Promise<void>
}
interface WritepathDb {
  put(key: Uint8Array, value: Uint8Array, options?: { sync?: boolean }): Promise<void>
  get(key: Uint8Array): Promise<Uint8Array | undefined>
  iterator(options: { gte: Uint8Array; lt: Uint8Array }): AsyncIterable<readonly [Uint8Array, Uint8Array]>
  beginTransaction(options: { name: string; writeOptions?: { sync?: boolean } }): WritepathTxn
  stats(): { groups: number; meanGroupSize: number; walSyncs: number }
  close(): Promise<void>
}
interface WritepathModule {
  open?: (options: { path: string; strategy: Strategy }) => Promise<WritepathDb>
}

let openDb: NonNullable<WritepathModule["open"]> | undefined

const probe = async (): Promise<string | null> => {
  if (openDb !== undefined) return null
  const m = await importOptional<WritepathModule>("@writepath/db")
  if (!m.ok) return m.reason
  if (typeof m.module.open !== "function") return "engine not built yet"
  openDb = m.module.open
  return null
}

const writepathEngine = (strategy: Strategy): Engine => ({
  name: "writepath",
  strategy,
  kind: "writepath",
  // Two-phase commit's prepare runs on the second (WAL-only) queue of two-queue.
  supportsTxn: strategy === "two-queue",
  probe,
  async open(path): Promise<EngineHandle> {
    if (openDb === undefined) throw new Error("writepath: probe() first")
    const db = await openDb({ path, strategy })
    return {
      put: (key, value, { sync }) => db.put(key, value, { sync }),
      get: (key) => db.get(key),
      async scan(gte, lt, limit) {
        let n = 0
        for await (const _ of db.iterator({ gte, lt })) if (++n >= limit) break
        return n
      },
      // The transaction's write options apply to its prepare and its commit.
      beginTransaction: (name, { sync }) => db.beginTransaction({ name, writeOptions: { sync } }),
      stats(): EngineStats {
        const s = db.stats()
        return { groups: s.groups, meanGroupSize: s.meanGroupSize, walSyncs: s.walSyncs }
      },
      close: () => db.close(),
    }
  },
})

export const writepathEngines: readonly Engine[] = strategies.map(writepathEngine)
