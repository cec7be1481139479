/**
 * The node:fs LogFile layer and WalManager on a real temporary folder: file naming,
 * rotation, listing, deletion, recycling, recovery across logs, and bad input
 * (missing file, a folder, random bytes).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { WriteBatch } from "@writepath/batch"
import { FaultInjector, layerFaultyLogFile } from "@writepath/testkit"
import { Effect, Layer } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { IOError, kBlockSize, LogReader, LogWriter, layerNode, makeNode, recoverLogs, WalManager } from "../src/index.ts"

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "wal-test-"))
})
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

const batch = (seq: number, key: string, count = 1): Uint8Array => {
  const b = new WriteBatch()
  for (let i = 0; i < count; i++) b.put(`${key}${i}`, `value-${key}`)
  b.sequence = seq
  return b.data
}

const run = <A, E>(
  eff: Effect.Effect<A, E, WalManager.WalManager>,
  options: Omit<WalManager.WalManagerOptions, "dir"> = {},
  logFile = layerNode(),
) =>
  Effect.runPromise(
    eff.pipe(Effect.provide(WalManager.layer({ dir, ...options }).pipe(Layer.provide(Layer.merge(NodeFileSystem.layer, logFile))))),
  )

describe("node:fs LogFile layer", () => {
  it("writes, fdatasyncs and reads back through a real file", async () => {
    const lf = makeNode()
    const p = path.join(dir, "000001.log")
    const w = new LogWriter(lf.openWritable(p), { logNumber: 1 })
    for (let i = 0; i < 2000; i++) w.addRecord(batch(i + 1, `k${i}`))
    await w.sync()
    expect(w.durableSize).toBe(fs.statSync(p).size)
    await w.close()
    const r = recoverLogs(lf, [{ logNumber: 1, path: p }])
    expect(r.records.length).toBe(2000)
    expect(r.lastSequence).toBe(2000)
    expect(fs.statSync(p).size).toBeGreaterThan(kBlockSize)
  })

  it("both sync placements work (blocking and threadpool)", async () => {
    for (const syncOn of ["blocking", "threadpool"] as const) {
      const lf = makeNode({ syncOn })
      const w = new LogWriter(lf.openWritable(path.join(dir, `${syncOn}.log`)), { logNumber: 1, useFsync: syncOn === "threadpool" })
      w.addRecord(batch(1, "a"))
      await w.sync()
      expect(w.durableSize).toBe(w.size)
      await w.close()
    }
  })

  it("bad input: a missing file, a folder, an unreadable file give typed IOErrors", () => {
    const lf = makeNode()
    const missing = () => lf.openReadable(path.join(dir, "nope.log"))
    expect(missing).toThrow(IOError)
    try {
      missing()
    } catch (e) {
      expect((e as IOError).code).toBe("ENOENT")
    }
    try {
      lf.openReadable(dir)
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(IOError)
      expect((e as IOError).code).toBe("EISDIR")
    }
    const p = path.join(dir, "secret.log")
    fs.writeFileSync(p, "x")
    fs.chmodSync(p, 0)
    if (process.getuid?.() !== 0) expect(() => lf.openReadable(p)).toThrow(IOError)
  })

  it("a file of random bytes: a typed error or a report, never a record", () => {
    const lf = makeNode()
    const p = path.join(dir, "000003.log")
    const bytes = new Uint8Array(100_000)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24
    fs.writeFileSync(p, bytes)
    const r = recoverLogs(lf, [{ logNumber: 3, path: p }], { recoveryMode: "skip-any-corrupted-records" })
    expect(r.records).toEqual([])
    expect(r.dropped.some((d) => d.reported)).toBe(true)
    const reader = new LogReader(lf.openReadable(p))
    expect(reader.readRecord()).toBeUndefined()
  })
})

describe("WalManager", () => {
  it("names logs NNNNNN.log, fsyncs the folder, rotates, lists in order and recovers across logs", async () => {
    const result = await run(
      Effect.gen(function* () {
        const m = yield* WalManager.WalManager
        const w1 = yield* m.newLog(5)
        w1.addRecord(batch(1, "a", 2))
        yield* m.sync
        const w2 = yield* m.newLog()
        expect(w2.logNumber).toBe(6)
        yield* m.addRecord(batch(3, "b"))
        yield* m.newLog(12)
        yield* m.addRecord(batch(4, "c", 3))
        yield* m.sync
        const logs = yield* m.listLogs
        const rec = yield* m.recover()
        return { logs, rec, newLogFails: yield* Effect.either(m.newLog(7)) }
      }),
    )
    expect(result.logs.map((l) => path.basename(l.path))).toEqual(["000005.log", "000006.log", "000012.log"])
    expect(result.rec.records.map((r) => [r.logNumber, r.sequence, r.count])).toEqual([
      [5, 1, 2],
      [6, 3, 1],
      [12, 4, 3],
    ])
    expect(result.rec.lastSequence).toBe(6)
    expect(result.newLogFails._tag).toBe("Left")
  })

  it("a reopened manager continues numbering after the highest log on disk", async () => {
    await run(Effect.flatMap(WalManager.WalManager, (m) => m.newLog(41)))
    const n = await run(Effect.flatMap(WalManager.WalManager, (m) => Effect.map(m.newLog(), (w) => w.logNumber)))
    expect(n).toBe(42)
  })

  it("deletes obsolete logs, keeping the current one", async () => {
    const left = await run(
      Effect.gen(function* () {
        const m = yield* WalManager.WalManager
        for (let i = 1; i <= 4; i++) {
          yield* m.newLog()
          yield* m.addRecord(batch(i, `k${i}`))
        }
        const deleted = yield* m.deleteObsoleteLogs(3)
        expect(deleted).toEqual([1, 2])
        return (yield* m.listLogs).map((l) => l.logNumber)
      }),
    )
    expect(left).toEqual([3, 4])
  })

  it("recycles old logs by renaming them; recovery stops at the previous life's records", async () => {
    const out = await run(
      Effect.gen(function* () {
        const m = yield* WalManager.WalManager
        expect(m.recycling).toBe(true)
        yield* m.newLog(1)
        for (let i = 1; i <= 500; i++) yield* m.addRecord(batch(i, `old${i}`))
        yield* m.newLog(2)
        yield* m.addRecord(batch(501, "x"))
        const set = yield* m.deleteObsoleteLogs(2)
        expect(set).toEqual([1])
        expect(m.recycleList()).toEqual([1])
        const w3 = yield* m.newLog(3) // reuses 000001.log, renamed
        expect(m.recycleList()).toEqual([])
        w3.addRecord(batch(502, "new"))
        yield* m.sync
        const names = fs.readdirSync(dir).sort()
        const size3 = fs.statSync(path.join(dir, "000003.log")).size
        const rec = yield* m.recover()
        return { names, size3, rec }
      }),
      { recycleLogFileNum: 2 },
    )
    expect(out.names).toEqual(["000002.log", "000003.log"])
    expect(out.size3).toBeGreaterThan(10_000) // the old contents are still there, behind the new record
    expect(out.rec.records.map((r) => r.sequence)).toEqual([501, 502])
    // Point-in-time stops at the end of the new data: the next bytes are the old life's
    // (a stale header, or the middle of an old record, which fails its CRC).
    const newDataEnd = out.rec.records[1]!.offset + 11 + out.rec.records[1]!.batch.length
    expect(out.rec.stoppedAt).toMatchObject({ logNumber: 3, offset: newDataEnd })
  })

  it("recycling is off in absolute-consistency and tolerate-corrupted-tail-records", async () => {
    for (const recoveryMode of ["absolute-consistency", "tolerate-corrupted-tail-records"] as const) {
      const r = await run(
        Effect.map(WalManager.WalManager, (m) => m.recycling),
        { recycleLogFileNum: 3, recoveryMode },
      )
      expect(r).toBe(false)
    }
  })

  it("point-in-time: a corrupt log stops replay; a later log resumes only at the expected next sequence", async () => {
    await run(
      Effect.gen(function* () {
        const m = yield* WalManager.WalManager
        yield* m.newLog(1)
        yield* m.addRecord(batch(1, "a"))
        yield* m.addRecord(batch(2, "b"))
        yield* m.newLog(2)
        yield* m.addRecord(batch(3, "c"))
        yield* m.newLog(3)
        yield* m.addRecord(batch(2, "again")) // written after a reopen that recovered up to 1
        yield* m.addRecord(batch(3, "more"))
      }),
    )
    // Corrupt the second record of log 1.
    const p1 = path.join(dir, "000001.log")
    const b = fs.readFileSync(p1)
    b[b.length - 3] = b[b.length - 3]! ^ 1
    fs.writeFileSync(p1, b)
    const rec = await run(Effect.flatMap(WalManager.WalManager, (m) => m.recover()))
    expect(rec.stoppedAt).toMatchObject({ logNumber: 1, reason: "checksum mismatch" })
    expect(rec.droppedLogs).toEqual([2])
    expect(rec.records.map((r) => [r.logNumber, r.sequence])).toEqual([
      [1, 1],
      [3, 2],
      [3, 3],
    ])
    const abs = await run(Effect.flip(Effect.flatMap(WalManager.WalManager, (m) => m.recover({ recoveryMode: "absolute-consistency" }))))
    expect(abs._tag).toBe("WalCorruption")
  })

  it("EIO on the WAL's fdatasync through the layers: sync fails with the typed error", async () => {
    const faults = new FaultInjector().inject({ op: "datasync", code: "EIO" })
    const err = await run(
      Effect.gen(function* () {
        const m = yield* WalManager.WalManager
        yield* m.addRecord(batch(1, "a"))
        return yield* Effect.flip(m.sync)
      }),
      {},
      layerFaultyLogFile(faults).pipe(Layer.provide(layerNode())),
    )
    expect(err._tag).toBe("IOError")
    expect(faults.fired).toEqual([{ op: "datasync", path: path.join(dir, "000001.log"), code: "EIO" }])
  })
})
