/**
 * A sync write is acknowledged only when every record before it is durable, also across
 * a memtable switch: while the switch's closing sync of the old WAL runs, the two-queue
 * strategy's WAL-only queue can append a prepare to the new WAL and sync it. That prepare
 * must wait for the old WAL's sync (else a power loss leaves the old WAL's torn tail, and
 * point-in-time recovery drops the new WAL with the acknowledged prepare in it), and its
 * own sync must start only after that one (else the new WAL can be durable ahead of the
 * old tail: a hole recovery cannot see).
 * Only two-queue is tested: in the other strategies a prepare waits behind the main queue,
 * whose leader runs the switch.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { IOError, type LogFileService, makeNode } from "@writepath/wal"
import { afterEach, describe, expect, it } from "vitest"
import { open } from "../src/index.ts"

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

const latch = <A = void>(): { promise: Promise<A>; resolve: (a: A) => void; reject: (e: unknown) => void } => {
  let resolve!: (a: A) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<A>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** node:fs WALs where the first WAL's sync after a switch began waits for `gate`; `events` orders the syncs. */
const gatedFiles = (gate: Promise<void>) => {
  const inner = makeNode()
  const switched = latch()
  const newWalAppended = latch()
  const events: string[] = []
  let opened = 0
  const files: LogFileService = {
    openWritable(p, o) {
      const f = inner.openWritable(p, o)
      const n = ++opened
      if (n === 2) switched.resolve()
      return {
        path: f.path,
        append: (d, s, e) => {
          f.append(d, s, e)
          if (n === 2) newWalAppended.resolve()
        },
        size: () => f.size(),
        close: () => f.close(),
        fsync: () => f.fsync(),
        datasync: () => {
          if (n === 1 && opened >= 2) {
            return gate
              .then(() => f.datasync())
              .then(() => {
                events.push("old WAL synced")
              })
          }
          if (n === 2) events.push("new WAL sync started")
          return f.datasync()
        },
      }
    },
    openReadable: (p) => inner.openReadable(p),
  }
  return { files, events, switched: switched.promise, newWalAppended: newWalAppended.promise }
}

/** One macrotask turn: every microtask queued by an already finished I/O has run. */
const turn = (): Promise<void> => new Promise((r) => setImmediate(r))

describe("durability across a memtable switch (two-queue)", () => {
  const start = async (gate: Promise<void>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-switch-"))
    dirs.push(dir)
    const g = gatedFiles(gate)
    const db = await open({ path: dir, strategy: "two-queue", writeBufferSize: 64 * 1024 }, { logFile: g.files })
    let i = 0
    const filler = (async () => {
      for (;;) {
        await db.put(`k${i++}`, "x".repeat(1000))
        if (db.stats().memtableSwitches > 0) return
      }
    })()
    await g.switched
    const t = db.beginTransaction({ name: "t", writeOptions: { sync: true } })
    t.put("a", "1")
    let acked = false
    const prepare = t.prepare().then(() => {
      acked = true
    })
    await g.newWalAppended // the prepare is in the new WAL (the main queue is held by the switching leader)
    await turn()
    return { db, dir, filler, prepare, acked: () => acked, events: g.events }
  }

  it("a sync prepare synced into the new WAL is acknowledged only after the old WAL's closing sync", async () => {
    const gate = latch()
    const s = await start(gate.promise)
    expect(s.acked()).toBe(false) // the old WAL is not durable yet...
    expect(s.events).toEqual([]) // ...so the new one is not synced either
    gate.resolve()
    await s.prepare
    await s.filler
    expect(s.acked()).toBe(true)
    expect(s.events.slice(0, 2)).toEqual(["old WAL synced", "new WAL sync started"])
    await s.db.close()
    const again = await open({ path: s.dir, strategy: "two-queue", writeBufferSize: 64 * 1024 })
    expect(again.getPreparedTransactions().map((t) => t.name)).toEqual(["t"])
    await again.close()
  })

  it("when the old WAL's closing sync fails, the prepare waiting on it fails too and the database turns read-only", async () => {
    const gate = latch()
    const s = await start(gate.promise)
    gate.reject(new IOError({ operation: "fdatasync", path: "old WAL", code: "EIO", detail: "injected" }))
    await expect(s.prepare).rejects.toMatchObject({ _tag: "IOError", code: "EIO" })
    expect(s.events).toEqual([]) // the new WAL was never synced as if the old one had been
    await s.filler.catch(() => undefined)
    await expect(s.db.put("later", "x")).rejects.toMatchObject({ _tag: "ReadOnlyError" })
    await s.db.close()
  })
})
