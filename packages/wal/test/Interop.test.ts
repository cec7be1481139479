/**
 * Interop with the real engines. Fixtures are produced at test time: LevelDB (classic-level)
 * and RocksDB (the `rocksdb` binding) write known keys and are closed without a flush (the
 * writes are far below the memtable size, so the WAL `.log` keeps them). Our reader must
 * decode every key, value and sequence. And the reverse: a log written by writepath, put in
 * place of the engine's empty log, is replayed by the engine on open.
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { recordsOfBytes, WriteBatch } from "@writepath/batch"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { LogWriter, makeNode, parseLogFileName, recoverLogs } from "../src/index.ts"

const require = createRequire(import.meta.url)

interface AbstractDb {
  open(): Promise<void>
  close(): Promise<void>
  put(k: string, v: string): Promise<void>
  del(k: string): Promise<void>
  batch(ops: ReadonlyArray<{ type: "put" | "del"; key: string; value?: string }>): Promise<void>
  get(k: string): Promise<string | undefined>
}

const classicLevel = (dir: string): AbstractDb => {
  const { ClassicLevel } = require("classic-level") as { ClassicLevel: new (d: string) => AbstractDb }
  const db = new ClassicLevel(dir)
  return {
    open: () => db.open(),
    close: () => db.close(),
    put: (k, v) => db.put(k, v),
    del: (k) => db.del(k),
    batch: (ops) => db.batch(ops),
    get: async (k) => {
      try {
        return await db.get(k)
      } catch {
        return undefined
      }
    },
  }
}

type Cb<T = void> = (err: Error | null | undefined, value?: T) => void
interface RocksBinding {
  open(cb: Cb): void
  close(cb: Cb): void
  put(k: string, v: string, cb: Cb): void
  del(k: string, cb: Cb): void
  batch(ops: ReadonlyArray<unknown>, cb: Cb): void
  get(k: string, opts: { asBuffer: boolean }, cb: Cb<string>): void
}

const rocks = (dir: string): AbstractDb => {
  const db = (require("rocksdb") as (d: string) => RocksBinding)(dir)
  const p = <T = void>(f: (cb: Cb<T>) => void) => new Promise<T>((res, rej) => f((e, v) => (e ? rej(e) : res(v as T))))
  return {
    open: () => p((cb) => db.open(cb)),
    close: () => p((cb) => db.close(cb)),
    put: (k, v) => p((cb) => db.put(k, v, cb)),
    del: (k) => p((cb) => db.del(k, cb)),
    batch: (ops) => p((cb) => db.batch(ops, cb)),
    get: (k) => p<string>((cb) => db.get(k, { asBuffer: false }, cb)).catch(() => undefined),
  }
}

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "wal-interop-"))
})
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

const text = (b: Uint8Array): string => new TextDecoder().decode(b)

/** What the workload writes; `seq` is the sequence the engine must give each batch. */
const big = "B".repeat(70_000) // spans three blocks: FIRST, MIDDLE, LAST
const workload = async (db: AbstractDb) => {
  await db.put("alpha", "1") // seq 1
  await db.put("beta", "2") // seq 2
  await db.batch([
    { type: "put", key: "gamma", value: "3" },
    { type: "del", key: "alpha" },
    { type: "put", key: "delta", value: "4" },
  ]) // seq 3..5
  await db.del("beta") // seq 6
  await db.put("big", big) // seq 7
  for (let i = 0; i < 200; i++) await db.put(`k${String(i).padStart(3, "0")}`, `v${i}`) // seq 8..207
}

const expected = (): Array<{ sequence: number; ops: string[] }> => [
  { sequence: 1, ops: ["Put alpha=1"] },
  { sequence: 2, ops: ["Put beta=2"] },
  { sequence: 3, ops: ["Put gamma=3", "Delete alpha", "Put delta=4"] },
  { sequence: 6, ops: ["Delete beta"] },
  { sequence: 7, ops: [`Put big=${big}`] },
  ...Array.from({ length: 200 }, (_, i) => ({ sequence: 8 + i, ops: [`Put k${String(i).padStart(3, "0")}=v${i}`] })),
]

const decodeDir = (d: string) => {
  const logs = fs
    .readdirSync(d)
    .map((n) => ({ n, logNumber: parseLogFileName(n) }))
    .filter((x): x is { n: string; logNumber: number } => x.logNumber !== undefined)
    .map((x) => ({ logNumber: x.logNumber, path: path.join(d, x.n) }))
  expect(logs.length).toBeGreaterThan(0)
  const r = recoverLogs(makeNode(), logs, { recoveryMode: "absolute-consistency" })
  return {
    r,
    batches: r.records
      .filter((rec) => rec.count > 0)
      .map((rec) => ({
        sequence: rec.sequence,
        ops: [...recordsOfBytes(rec.batch)].map((op) =>
          op.op === "Put" ? `Put ${text(op.key)}=${text(op.value)}` : op.op === "Delete" ? `Delete ${text(op.key)}` : op.op,
        ),
      })),
  }
}

describe.each([
  ["LevelDB (classic-level)", classicLevel],
  ["RocksDB (rocksdb binding)", rocks],
])("%s", (_name, openDb) => {
  it("every key, value and sequence of its WAL decodes", async () => {
    const db = openDb(dir)
    await db.open()
    await workload(db)
    await db.close()
    const { r, batches } = decodeDir(dir)
    expect(batches).toEqual(expected())
    expect(r.lastSequence).toBe(207)
    expect(r.dropped).toEqual([])
    // The big value really was fragmented across blocks.
    const bigRec = r.records.find((x) => x.sequence === 7)!
    expect(bigRec.batch.length).toBeGreaterThan(2 * 32768)
  }, 30_000)

  it("replays a WAL written by writepath", async () => {
    const db = openDb(dir)
    await db.open()
    await db.close()
    const [log] = fs.readdirSync(dir).filter((n) => n.endsWith(".log"))
    expect(log).toBeDefined()
    const logPath = path.join(dir, log!)
    const w = new LogWriter(makeNode().openWritable(logPath), { logNumber: parseLogFileName(log!)! })
    let seq = 1
    const put = (k: string, v: string) => {
      const b = new WriteBatch().put(k, v)
      b.sequence = seq++
      w.addRecord(b.data)
    }
    put("from", "writepath")
    put("big", big)
    const b = new WriteBatch().put("x", "1").delete("from").put("y", "2")
    b.sequence = seq
    w.addRecord(b.data)
    await w.sync()
    await w.close()
    const again = openDb(dir)
    await again.open()
    expect(await again.get("from")).toBeUndefined()
    expect(await again.get("big")).toBe(big)
    expect(await again.get("x")).toBe("1")
    expect(await again.get("y")).toBe("2")
    await again.close()
  }, 30_000)
})
