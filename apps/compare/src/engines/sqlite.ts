/**
 * SQLite in WAL mode, one `INSERT OR REPLACE` (its own implicit transaction) per write,
 * through the runtime's own SQLite where it has one that works: better-sqlite3 12 on Node,
 * `bun:sqlite` on Bun (better-sqlite3 does not load there), `node:sqlite` on Deno (which
 * does not load Node-API addons). Same pragmas everywhere: durable writes use
 * synchronous=FULL (fsync of the WAL at every commit); no-sync runs use NORMAL, SQLite's
 * usual WAL setting. Chosen at open.
 *
 * All three are synchronous: each write blocks the event loop, so concurrent writers take
 * turns and the writer count only adds queueing. That is what a user gets from them.
 */
import { join } from "node:path"
import type { Engine, EngineHandle } from "../Engine.ts"
import { runtimeName } from "../runtimeInfo.ts"
import { importOptional } from "./importOptional.ts"

interface Statement {
  run(...params: unknown[]): unknown
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
}
interface SqliteDb {
  exec(source: string): unknown
  prepare(source: string): Statement
  close(): unknown
}
type OpenSqlite = (file: string) => SqliteDb

/** The runtime's SQLite binding and how to open a database with it. */
const backends = {
  node: { module: "better-sqlite3", open: (m: unknown) => (f: string) => new (m as { default: new (f: string) => SqliteDb }).default(f) },
  bun: { module: "bun:sqlite", open: (m: unknown) => (f: string) => new (m as { Database: new (f: string) => SqliteDb }).Database(f) },
  deno: {
    module: "node:sqlite",
    open: (m: unknown) => (f: string) => new (m as { DatabaseSync: new (f: string) => SqliteDb }).DatabaseSync(f),
  },
} as const

let openDb: OpenSqlite | undefined

/** The binding this runtime uses: "better-sqlite3", "bun:sqlite" or "node:sqlite". */
export const sqliteBinding = (): string => backends[runtimeName()].module

export const sqlite: Engine = {
  name: "sqlite",
  strategy: null,
  kind: "peer",
  async probe() {
    const backend = backends[runtimeName()]
    const m = await importOptional<unknown>(backend.module)
    if (!m.ok) return m.reason
    const open = backend.open(m.module)
    // Find out here, not mid-matrix, whether the binding can open a database.
    try {
      open(":memory:").close()
    } catch (e) {
      return `${backend.module} cannot open a database here: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`
    }
    openDb = open
    return null
  },
  async open(dir, { sync }): Promise<EngineHandle> {
    if (openDb === undefined) throw new Error("sqlite: probe() first")
    const db = openDb(join(dir, "kv.sqlite"))
    db.exec("PRAGMA journal_mode = WAL")
    db.exec(`PRAGMA synchronous = ${sync ? "FULL" : "NORMAL"}`)
    db.exec("CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID")
    const insert = db.prepare("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)")
    const select = db.prepare("SELECT v FROM kv WHERE k = ?")
    const range = db.prepare("SELECT k FROM kv WHERE k >= ? AND k < ? ORDER BY k LIMIT ?")
    return {
      put: async (key, value) => {
        insert.run(key, value)
      },
      get: async (key) => (select.get(key) as { v: Uint8Array } | undefined | null)?.v ?? undefined,
      scan: async (gte, lt, limit) => range.all(gte, lt, limit).length,
      close: async () => {
        db.close()
      },
    }
  },
}
