/**
 * Bad input on the public API (issue 8): every case gets a typed error naming the
 * problem, nothing is written by a rejected call, and the database stays usable.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { MAX_KEY_SIZE, MAX_VALUE_SIZE } from "@writepath/batch"
import { STRATEGIES } from "@writepath/strategies"
import { afterEach, describe, expect, it } from "vitest"
import { type Database, open } from "../src/index.ts"
import { startChild } from "./support/child.ts"

const dirs: string[] = []
const immutable: string[] = []
const fresh = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-badinput-"))
  dirs.push(d)
  return d
}
const chattr = (flag: "+i" | "-i", p: string): boolean => {
  try {
    execFileSync("chattr", [flag, p], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}
afterEach(() => {
  for (const d of immutable.splice(0)) chattr("-i", d)
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
const str = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b))
const extra = (strategy: string) => (strategy === "concurrent-memtable" ? { concurrentMemtableWorkers: 1 } : {})
/** A Uint8Array that claims `n` bytes without allocating them (as the batch package tests its limits). */
const sized = (n: number): Uint8Array => Object.setPrototypeOf({ length: n }, Uint8Array.prototype) as Uint8Array
const childScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/crashChild.ts")

/** Runs `f` and returns what it threw or rejected with. */
const failure = async (f: () => unknown): Promise<{ _tag?: string; message: string } & Record<string, unknown>> => {
  try {
    await f()
  } catch (e) {
    return e as { _tag?: string; message: string }
  }
  throw new Error("expected a failure")
}

/** The database still takes writes and serves reads, and the rejected calls wrote nothing. */
const stillUsable = async (db: Database, seqBefore: number): Promise<void> => {
  expect(db.stats().lastSequence).toBe(seqBefore)
  await db.put("usable", "yes", { sync: true })
  expect(str(await db.get("usable"))).toBe("yes")
}

describe("bad input: wrong types", () => {
  const wrong: ReadonlyArray<[string, unknown]> = [
    ["number", 42],
    ["object", { a: 1 }],
    ["null", null],
    ["undefined", undefined],
    ["boolean", true],
    ["array", [1, 2]],
  ]

  it.each(wrong)("%s as a key or value: InvalidArgument naming the method and argument", async (kind, v) => {
    const db = await open({ path: fresh() })
    const bad = v as string
    const cases: Array<[() => unknown, string]> = [
      [() => db.put(bad, "v"), `put: key must be a Uint8Array or a string, got ${kind}`],
      [() => db.put("k", bad), `put: value must be a Uint8Array or a string, got ${kind}`],
      [() => db.delete(bad), `delete: key must be a Uint8Array or a string, got ${kind}`],
      [() => db.deleteRange(bad, "z"), `deleteRange: start must be a Uint8Array or a string, got ${kind}`],
      [() => db.deleteRange("a", bad), `deleteRange: end must be a Uint8Array or a string, got ${kind}`],
      [() => db.get(bad), "key must be a Uint8Array or a string"],
      [() => db.batch().put(bad, "v"), `batch.put: key must be a Uint8Array or a string, got ${kind}`],
      [() => db.beginTransaction({ name: "t" }).put(bad, "v"), "expected a Uint8Array or string"],
    ]
    if (v !== undefined) cases.push([() => db.iterator({ gte: bad }), "gte must be a Uint8Array or a string"])
    for (const [f, msg] of cases) {
      const e = await failure(f)
      expect(e._tag).toBe("InvalidArgument")
      expect(e.message).toContain(msg)
    }
    await stillUsable(db, 0)
    await db.close()
  })

  it("option objects of the wrong shape: InvalidOptions / InvalidArgument naming the field", async () => {
    const db = await open({ path: fresh() })
    const other = await open({ path: fresh() })
    const foreign = other.snapshot()
    const released = db.snapshot()
    released.release()
    const cases: Array<[() => unknown, string, string]> = [
      [() => db.put("k", "v", null as never), "InvalidOptions", "option `(options)`: Invalid input: expected object, received null"],
      [() => db.put("k", "v", 5 as never), "InvalidOptions", "expected object, received number"],
      [() => db.put("k", "v", "sync" as never), "InvalidOptions", "expected object, received string"],
      [() => db.put("k", "v", { sync: 1 } as never), "InvalidOptions", "option `sync`: Invalid input: expected boolean"],
      [() => db.put("k", "v", { fsync: true } as never), "InvalidOptions", "option `fsync`: unknown write option"],
      [() => db.write(db.batch().put("k", "v"), { sync: "yes" } as never), "InvalidOptions", "option `sync`"],
      [() => db.put("k", "v", { sync: true, disableWAL: true }), "InvalidOptions", "option `sync, disableWAL`"],
      [() => db.write(null as never), "InvalidArgument", "write: expected a Batch (db.batch())"],
      [() => db.write({ data: new Uint8Array(12) } as never), "InvalidArgument", "write: expected a Batch (db.batch())"],
      [() => db.get("k", 5 as never), "InvalidArgument", "get: options must be an object, got number"],
      [() => db.get("k", null as never), "InvalidArgument", "get: options must be an object, got null"],
      [() => db.get("k", { snap: 1 } as never), "InvalidArgument", "get: unknown option `snap`"],
      [() => db.get("k", { snapshot: 5 } as never), "InvalidArgument", "get: option `snapshot` must be a Snapshot"],
      [() => db.get("k", { snapshot: foreign }), "InvalidArgument", "get: the snapshot belongs to another database"],
      [() => db.get("k", { snapshot: released }), "InvalidArgument", "was released"],
      [() => db.iterator(null as never), "InvalidArgument", "iterator: options must be an object, got null"],
      [() => db.iterator({ revers: true } as never), "InvalidArgument", "iterator: unknown option `revers`"],
      [() => db.iterator({ reverse: "yes" } as never), "InvalidArgument", "iterator: option `reverse` must be a boolean, got string"],
      [() => db.iterator({ snapshot: {} } as never), "InvalidArgument", "iterator: option `snapshot` must be a Snapshot"],
      [() => db.flushWal(5 as never), "InvalidArgument", "flushWal: options must be an object"],
      [() => db.flushWal({ sync: 1 } as never), "InvalidArgument", "flushWal: option `sync` must be a boolean"],
      [() => db.beginTransaction(null as never), "InvalidArgument", "beginTransaction: options must be an object"],
      [() => db.beginTransaction({ name: "" }), "InvalidArgument", "beginTransaction: name must be a non-empty string"],
      [() => db.beginTransaction({ name: 7 } as never), "InvalidArgument", "beginTransaction: name must be a non-empty string"],
      [() => db.beginTransaction({ name: "t", sync: true } as never), "InvalidArgument", "beginTransaction: unknown option `sync`"],
      [() => db.beginTransaction({ name: "t", writeOptions: { foo: 1 } as never }), "InvalidOptions", "option `foo`: unknown write option"],
    ]
    for (const [f, tag, msg] of cases) {
      const e = await failure(f)
      expect([e._tag, e.message]).toEqual([tag, expect.stringContaining(msg)])
    }
    await stillUsable(db, 0)
    foreign.release()
    await other.close()
    await db.close()
  })
})

describe("bad input: keys", () => {
  it("the empty key is a valid key, as in RocksDB: put, get, iterate, delete, recover", async () => {
    const p = fresh()
    let db = await open({ path: p })
    await db.put("", "empty-string")
    expect(str(await db.get(new Uint8Array(0)))).toBe("empty-string")
    await db.put(new Uint8Array(0), "empty-bytes", { sync: true })
    await db.put("a", "1", { sync: true })
    const seen: Array<[string, string]> = []
    for await (const [k, v] of db.iterator()) seen.push([str(k)!, str(v)!])
    expect(seen).toEqual([
      ["", "empty-bytes"],
      ["a", "1"],
    ])
    await db.close()
    db = await open({ path: p })
    expect(str(await db.get(""))).toBe("empty-bytes")
    await db.delete("", { sync: true })
    expect(await db.get("")).toBeUndefined()
    await db.close()
  })
})

describe.each(STRATEGIES)("bad input: sizes near and over the limits (%s)", (strategy) => {
  const wbs = 64 * 1024

  it("a record near a memtable's size is written; one over it, or over the format's 4 GiB limits, is refused alone", async () => {
    const p = fresh()
    const db = await open({ path: p, strategy, writeBufferSize: wbs, ...extra(strategy) })
    await db.put("small", "1", { sync: true })
    const near = "n".repeat(wbs - 4096)
    await db.put("near", near, { sync: true })
    const nearBatch = db
      .batch()
      .put("nb1", "x".repeat(wbs / 4))
      .put("nb2", "y".repeat(wbs / 4))
    await db.write(nearBatch)
    const seq = db.stats().lastSequence

    // Over: refused before it joins a group, so writers in flight beside it all succeed.
    const neighbours = Array.from({ length: 16 }, (_, i) => db.put(`n${i}`, `${i}`, { sync: i % 2 === 0 }))
    const over = [
      failure(() => db.put("big", "b".repeat(2 * wbs))),
      failure(() => db.put("b".repeat(2 * wbs), "v")),
      failure(() => db.put("k", new Uint8Array(wbs * 3))),
      failure(() => db.delete(new Uint8Array(wbs * 3))),
      failure(() => db.deleteRange("a", "z".repeat(2 * wbs))),
      failure(() =>
        db.write(
          db
            .batch()
            .put("b1", "x".repeat(wbs * 0.7))
            .put("b2", "y".repeat(wbs * 0.7)),
        ),
      ),
      // Fake lengths: at and over the format's limits (key < 2^32 - 8, value < 2^32); nothing of that size is allocated.
      failure(() => db.put(sized(MAX_KEY_SIZE), "v")),
      failure(() => db.put(sized(MAX_KEY_SIZE + 1), "v")),
      failure(() => db.put("k", sized(MAX_VALUE_SIZE))),
      failure(() => db.put("k", sized(MAX_VALUE_SIZE + 1))),
    ]
    for (const e of await Promise.all(over)) {
      expect(e._tag).toBe("InvalidArgument")
      expect(e.message).toMatch(/more than a memtable holds \(writeBufferSize 65536\)|does not fit a memtable \(writeBufferSize 65536\)/)
    }
    await Promise.all(neighbours)
    expect(db.stats().lastSequence).toBe(seq + 16)
    // The batch package's own limit checks, reached through db.batch().
    expect(() => db.batch().put(sized(MAX_KEY_SIZE + 1), "v")).toThrow("Invalid argument: key is too large")
    expect(() => db.batch().put("k", sized(MAX_VALUE_SIZE + 1))).toThrow("Invalid argument: value is too large")
    expect(await db.get("big")).toBeUndefined()
    await db.put("after", "ok", { sync: true })
    await db.close()

    const again = await open({ path: p, strategy, writeBufferSize: wbs, ...extra(strategy) })
    expect(str(await again.get("near"))).toBe(near)
    expect((await again.get("nb2"))?.length).toBe(wbs / 4)
    expect([str(await again.get("small")), str(await again.get("n15")), str(await again.get("after"))]).toEqual(["1", "15", "ok"])
    expect(await again.get("big")).toBeUndefined()
    await again.close()
  })
})

describe("bad input: options at open", () => {
  it.each<[string, unknown, string]>([
    ["no options", undefined, "option `(options)`: Invalid input: expected object, received undefined"],
    ["null", null, "expected object, received null"],
    ["a string", "./data", "expected object, received string"],
    ["a number as path", { path: 5 }, "option `path`: Invalid input: expected string, received number"],
    ["an empty path", { path: "" }, "option `path`: must be a non-empty folder path"],
    ["an unknown option", { path: "x", writeBuferSize: 1 }, "option `writeBuferSize`: unknown option (known: path,"],
    ["an unknown strategy", { path: "x", strategy: "fast" }, "option `strategy`: Invalid option"],
    ["writeBufferSize too small", { path: "x", writeBufferSize: 1024 }, "option `writeBufferSize`: must be at least 64 KiB"],
    ["writeBufferSize not an integer", { path: "x", writeBufferSize: 65536.5 }, "option `writeBufferSize`: Invalid input: expected int"],
    ["writeBufferSize a string", { path: "x", writeBufferSize: "64MB" }, "option `writeBufferSize`: Invalid input: expected number"],
    ["maxWriteBufferNumber 1", { path: "x", maxWriteBufferNumber: 1 }, "option `maxWriteBufferNumber`: must be at least 2"],
    ["a bad recovery mode", { path: "x", walRecoveryMode: "best-effort" }, "option `walRecoveryMode`: Invalid option"],
    ["strategy vs mode flags", { path: "x", strategy: "classic", enablePipelinedWrite: true }, '"classic" contradicts the mode flags'],
    ["two queues + pipelined", { path: "x", twoWriteQueues: true, enablePipelinedWrite: true }, "two_write_queues is not supported"],
    ["workers without concurrent-memtable", { path: "x", concurrentMemtableWorkers: 2 }, "only applies to the concurrent-memtable"],
    ["unorderedWrite", { path: "x", unorderedWrite: true }, "option `unorderedWrite`: not supported"],
  ])("%s: InvalidOptions naming the field, nothing created", async (_, options, msg) => {
    const cwdBefore = fs.readdirSync(process.cwd()).length
    const e = await failure(() => open(options as never))
    expect([e._tag, e.message]).toEqual(["InvalidOptions", expect.stringContaining(msg)])
    expect(fs.readdirSync(process.cwd()).length).toBe(cwdBefore) // no folder "x" was made
  })
})

describe("bad input: closed database", () => {
  it("every operation after close is DbClosed; close is idempotent, also concurrently; writes in flight at close are kept or refused, never lost", async () => {
    const p = fresh()
    const db = await open({ path: p })
    const t = db.beginTransaction({ name: "t" })
    t.put("t", "1")
    const inFlight = Array.from({ length: 20 }, (_, i) => db.put(`f${i}`, `${i}`, { sync: i % 3 === 0 }).then(() => i))
    const settledP = Promise.allSettled(inFlight) // attached now: some reject while close runs
    await Promise.all([db.close(), db.close()])
    await db.close()
    const settled = await settledP
    const acked = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []))
    for (const r of settled) if (r.status === "rejected") expect(r.reason).toMatchObject({ _tag: "DbClosed" })
    const cases: Array<[() => unknown, string]> = [
      [() => db.put("a", "b"), "write"],
      [() => db.delete("a"), "write"],
      [() => db.deleteRange("a", "b"), "write"],
      [() => db.write(db.batch().put("a", "b")), "write"],
      [() => db.get("a"), "get"],
      [() => db.iterator(), "iterator"],
      [() => db.snapshot(), "snapshot"],
      [() => db.beginTransaction({ name: "u" }), "beginTransaction"],
      [() => db.flushWal({ sync: true }), "flushWal"],
      [() => t.prepare(), "write"],
    ]
    for (const [f, op] of cases) {
      const e = await failure(f)
      expect([e._tag, e.message]).toEqual(["DbClosed", `${op}: the database is closed`])
    }
    const again = await open({ path: p })
    for (const i of acked) expect(str(await again.get(`f${i}`))).toBe(`${i}`)
    expect(again.getPreparedTransactions()).toEqual([])
    await again.close()
  })
})

describe("bad input: the folder", () => {
  it("a path that is a file, or under a file: IOError ENOTDIR naming it", async () => {
    const file = path.join(fresh(), "afile")
    fs.writeFileSync(file, "not a database")
    const e1 = await failure(() => open({ path: file }))
    expect([e1._tag, e1.code, e1.message]).toEqual([
      "IOError",
      "ENOTDIR",
      `IO error: open database ${file}: the path is a file, not a folder`,
    ])
    const under = path.join(file, "db")
    const e2 = await failure(() => open({ path: under }))
    expect([e2._tag, e2.code, e2.message]).toEqual([
      "IOError",
      "ENOTDIR",
      `IO error: open database ${under}: ${file} is a file, not a folder`,
    ])
    const e3 = await failure(() => open({ path: under, createIfMissing: false }))
    expect(e3._tag).toBe("IOError")
    expect(fs.readFileSync(file, "utf8")).toBe("not a database")
  })

  it.skipIf(!fs.existsSync("/proc/self"))(
    "a folder that cannot be created (under /proc): IOError, not a hang (Node's recursive mkdir loops there)",
    async () => {
      const e = await failure(() => open({ path: `/proc/writepath-${process.pid}/db` }))
      expect([e._tag, e.code]).toEqual(["IOError", "ENOENT"])
      expect(e.message).toContain("create database folder /proc/writepath-")
    },
  )

  // Root ignores permission bits, so chmod cannot make a folder read-only here; the
  // immutable attribute (chattr +i) stops root too. Skipped where chattr does not work.
  it("a read-only (immutable) folder: IOError naming the file it could not create; the data is intact once writable again", async (ctx) => {
    const p = fresh()
    const db = await open({ path: p })
    await db.put("kept", "1", { sync: true })
    await db.close()
    if (!chattr("+i", p)) ctx.skip()
    immutable.push(p)
    const e = await failure(() => open({ path: p }))
    expect([e._tag, e.code, e.message]).toEqual([
      "IOError",
      "EPERM",
      expect.stringContaining(`IO error: create ${path.join(p, "LOCK")}: EPERM`),
    ])
    const e2 = await failure(() => open({ path: path.join(p, "inner") }))
    expect([e2._tag, e2.code, e2.message]).toEqual(["IOError", "EPERM", expect.stringContaining("IO error: create database folder")])
    chattr("-i", p)
    const again = await open({ path: p })
    expect(str(await again.get("kept"))).toBe("1")
    await again.close()
  })

  it("a folder locked by another process: DatabaseLocked naming its pid; taken over once that process is killed", async () => {
    const p = fresh()
    const c = startChild(childScript, [p, "classic", "hold"])
    try {
      await c.waitFor((l) => l.includes("ready"))
      const e = await failure(() => open({ path: p }))
      expect([e._tag, e.holderPid]).toEqual(["DatabaseLocked", c.proc.pid])
      expect(e.message).toBe(`IO error: database is locked: ${p}/LOCK is held by process ${c.proc.pid} on ${os.hostname()}`)
    } finally {
      await c.kill()
    }
    const db = await open({ path: p })
    expect(str(await db.get("held"))).toBe("by-child")
    await db.close()
  })
})

describe("recovery of large acknowledged values", () => {
  it("values that fill memtables unevenly, or exceed a memtable of a smaller writeBufferSize at reopen, recover", async () => {
    const p = fresh()
    const db = await open({ path: p, writeBufferSize: 1024 * 1024 })
    const values = Array.from({ length: 8 }, (_, i) => String.fromCharCode(97 + i).repeat(40_000 + i * 7_000))
    for (const [i, v] of values.entries()) await db.put(`v${i}`, v)
    await db.put("huge", "h".repeat(300_000), { sync: true })
    await db.close()
    for (const writeBufferSize of [64 * 1024, 1024 * 1024]) {
      const again = await open({ path: p, writeBufferSize })
      for (const [i, v] of values.entries()) expect(str(await again.get(`v${i}`))).toBe(v)
      expect((await again.get("huge"))?.length).toBe(300_000)
      await again.close()
    }
  })
})

describe("bad input: odd option values RocksDB accepts", () => {
  it.each([65537, 65538, 196610])("writeBufferSize %i (not a multiple of 8) opens, writes and recovers", async (writeBufferSize) => {
    const p = fresh()
    const db = await open({ path: p, writeBufferSize })
    await db.put("a", "1", { sync: true })
    await db.close()
    const again = await open({ path: p, writeBufferSize })
    expect(str(await again.get("a"))).toBe("1")
    await again.close()
  })
})
