/**
 * An in-memory engine for tests, standing in for writepath: a Map, with writes grouped
 * the way a leader/follower write thread groups them (every write issued in one
 * microtask turn joins one group, one "sync" per group). Its figures mean nothing; it
 * exercises the code paths that need stats and transactions.
 */
import { Buffer } from "node:buffer"
import type { Engine, EngineHandle } from "../src/Engine.ts"

export interface FakeOptions {
  readonly strategy?: string
  /** Throw on the n-th put (1-based), to test failure handling. */
  readonly failAt?: number
}

export const fakeEngine = (options: FakeOptions = {}): Engine & { maxInFlight: number } => {
  const engine = {
    name: "writepath",
    strategy: options.strategy ?? "classic",
    kind: "writepath" as const,
    supportsTxn: true,
    maxInFlight: 0,
    probe: async () => null,
    async open(): Promise<EngineHandle> {
      const data = new Map<string, Uint8Array>()
      let queue: (() => void)[] = []
      let groups = 0
      let grouped = 0
      let syncs = 0
      let puts = 0
      let inFlight = 0
      const hex = (k: Uint8Array): string => Buffer.from(k).toString("latin1")
      const commit = (sync: boolean): Promise<void> =>
        new Promise((resolve) => {
          inFlight++
          engine.maxInFlight = Math.max(engine.maxInFlight, inFlight)
          queue.push(resolve)
          if (queue.length === 1)
            setImmediate(() => {
              const group = queue
              queue = []
              groups++
              grouped += group.length
              if (sync) syncs++
              inFlight -= group.length
              for (const r of group) r()
            })
        })
      return {
        async put(key, value, { sync }) {
          if (++puts === options.failAt) throw new Error("injected failure")
          data.set(hex(key), value)
          await commit(sync)
        },
        get: async (key) => data.get(hex(key)),
        async scan(gte, lt, limit) {
          const lo = hex(gte)
          const hi = hex(lt)
          let n = 0
          for (const k of data.keys()) if (k >= lo && k < hi && n < limit) n++
          return n
        },
        beginTransaction(_name, { sync }) {
          const writes: [Uint8Array, Uint8Array][] = []
          return {
            put: (k, v) => void writes.push([k, v]),
            prepare: () => commit(sync),
            async commit() {
              for (const [k, v] of writes) data.set(hex(k), v)
              await commit(sync)
            },
          }
        },
        stats: () => ({ groups, meanGroupSize: groups === 0 ? 0 : grouped / groups, walSyncs: syncs }),
        close: async () => {},
      }
    },
  }
  return engine
}
