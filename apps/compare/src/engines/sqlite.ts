/**
 * SQLite through `better-sqlite3` 12, in WAL mode, one INSERT statement (its own
 * implicit transaction) per write. Durable write: synchronous=FULL (fsync of the WAL at
 * every commit); no-sync runs use NORMAL, SQLite's usual WAL setting. Chosen at open.
 *
 * better-sqlite3 is synchronous: each write blocks the event loop, so concurrent writers
 * take turns and the writer count only adds queueing. That is what a user gets from it.
 */
import { join } from "node:path"
import type { Engine, EngineHandle } from "../Engine.ts"
import { importOptional } from "./importOptional.ts"

interface Statement {
  run(...params: unknown[]): unknown
  get(...params: unknown[]): { v: Uint8Array } | undefined
  iterate(...params: unknown[]): Iterable<unknown>
}
interface SqliteDb {
  pragma(source: string): unknown
  exec(source: string): unknown
  prepare(source: string): Statement
  close(): unknown
}
type SqliteModule = { default: new (file: string) => SqliteDb }

let loaded: SqliteModule | undefined

export const sqlite: Engine = {
  name: "sqlite",
  strategy: null,
  kind: "peer",
  async probe() {
    const m = await importOptional<SqliteModule>("better-sqlite3")
    if (!m.ok) return m.reason
    // Bun loads the package but refuses to construct a database: find out here, not mid-matrix.
    try {
      new m.module.default(":memory:").close()
    } catch (e) {
      return `better-sqlite3 cannot open a database here: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`
    }
    loaded = m.module
    return null
  },
  async open(dir, { sync }): Promise<EngineHandle> {
    if (loaded === undefined) throw new Error("sqlite: probe() first")
    const db = new loaded.default(join(dir, "kv.sqlite"))
    db.pragma("journal_mode = WAL")
    db.pragma(`synchronous = ${sync ? "FULL" : "NORMAL"}`)
    db.exec("CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID")
    const insert = db.prepare("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)")
    const select = db.prepare("SELECT v FROM kv WHERE k = ?")
    const range = db.prepare("SELECT k FROM kv WHERE k >= ? AND k < ? ORDER BY k LIMIT ?")
    return {
      put: async (key, value) => {
        insert.run(key, value)
      },
      get: async (key) => select.get(key)?.v,
      async scan(gte, lt, limit) {
        let n = 0
        for (const _ of range.iterate(gte, lt, limit)) n++
        return n
      },
      close: async () => {
        db.close()
      },
    }
  },
}
