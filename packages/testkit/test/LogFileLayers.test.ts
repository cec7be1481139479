/** testkit's LogFile layers: the memory model's durability rules and the fault injector's rule matching. */
import { LogFile, LogWriter } from "@writepath/wal"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import {
  FaultInjector,
  layerFaultyLogFile,
  layerMemoryLogFile,
  makeFaultyFsyncDir,
  makeFaultyLogFile,
  makeMemoryLogFile,
} from "../src/index.ts"

const bytes = (...xs: number[]) => Uint8Array.from(xs)

describe("MemoryLogFile", () => {
  it("appends are visible at once, durable only after a sync; crash keeps the durable prefix", async () => {
    const mem = makeMemoryLogFile()
    const f = mem.openWritable("/a.log")
    f.append(bytes(1, 2, 3), 0, 3)
    expect(mem.readBytes("/a.log")).toEqual(bytes(1, 2, 3))
    expect(mem.syncedBytes("/a.log")).toBe(0)
    await f.datasync()
    f.append(bytes(4, 5), 0, 2)
    expect(mem.syncedBytes("/a.log")).toBe(3)
    mem.crash()
    expect(mem.readBytes("/a.log")).toEqual(bytes(1, 2, 3))
  })

  it("reuse writes over the old contents from offset 0; rename and remove; a missing file is ENOENT", () => {
    const mem = makeMemoryLogFile()
    mem.writeBytes("/old.log", bytes(9, 9, 9, 9))
    mem.rename("/old.log", "/new.log")
    const f = mem.openWritable("/new.log", { reuse: true })
    f.append(bytes(1), 0, 1)
    expect(mem.readBytes("/new.log")).toEqual(bytes(1, 9, 9, 9))
    expect(mem.list()).toEqual(["/new.log"])
    mem.remove("/new.log")
    expect(mem.exists("/new.log")).toBe(false)
    expect(() => mem.openReadable("/new.log")).toThrow(expect.objectContaining({ _tag: "IOError", code: "ENOENT" }))
  })
})

describe("FaultInjector", () => {
  it("fires on matching op and path, after `after` calls, `times` times, and records every firing", () => {
    const mem = makeMemoryLogFile()
    const faults = new FaultInjector()
      .inject({ op: "append", path: "b.log", after: 1, times: 2, code: "ENOSPC" })
      .inject({ op: "append", path: "a.log", partialBytes: 2 })
    const lf = makeFaultyLogFile(mem, faults)
    const a = lf.openWritable("/a.log")
    const b = lf.openWritable("/b.log")
    expect(() => a.append(bytes(1, 2, 3, 4), 0, 4)).toThrow(expect.objectContaining({ code: "EIO" }))
    expect(mem.readBytes("/a.log")).toEqual(bytes(1, 2)) // the short write landed
    b.append(bytes(1), 0, 1) // skipped by `after`
    expect(() => b.append(bytes(2), 0, 1)).toThrow(expect.objectContaining({ code: "ENOSPC" }))
    expect(() => b.append(bytes(3), 0, 1)).toThrow(expect.objectContaining({ code: "ENOSPC" }))
    b.append(bytes(4), 0, 1) // `times` used up
    expect(mem.readBytes("/b.log")).toEqual(bytes(1, 4))
    expect(faults.fired.map((f) => `${f.op}:${f.path}:${f.code}`)).toEqual([
      "append:/a.log:EIO",
      "append:/b.log:ENOSPC",
      "append:/b.log:ENOSPC",
    ])
    expect(faults.calls.append).toBe(5)
  })

  it("a failed sync does not make the data durable", async () => {
    const mem = makeMemoryLogFile()
    const faults = new FaultInjector().inject({ op: "datasync" })
    const f = makeFaultyLogFile(mem, faults).openWritable("/a.log")
    f.append(bytes(1, 2), 0, 2)
    await expect(f.datasync()).rejects.toMatchObject({ _tag: "IOError", code: "EIO" })
    expect(mem.syncedBytes("/a.log")).toBe(0)
  })

  it("layers compose: the faulty layer wraps whatever LogFile is below it", async () => {
    const mem = makeMemoryLogFile()
    const faults = new FaultInjector().inject({ op: "openWritable", code: "EACCES" })
    const layer = layerFaultyLogFile(faults).pipe(Layer.provide(layerMemoryLogFile(mem)))
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const lf = yield* LogFile
        const first = yield* Effect.either(Effect.try(() => lf.openWritable("/x.log")))
        const w = new LogWriter(lf.openWritable("/x.log"), { logNumber: 1 })
        w.addRecord(bytes(1, 2, 3))
        yield* w.syncEffect
        return { first: first._tag, durable: mem.syncedBytes("/x.log") }
      }).pipe(Effect.provide(layer)),
    )
    expect(result).toEqual({ first: "Left", durable: 10 })
  })
})

describe("makeFaultyFsyncDir", () => {
  it("fails the chosen folder syncs with the rule's code and does not call the inner sync then", () => {
    const synced: string[] = []
    const faults = new FaultInjector().inject({ op: "fsyncDir", code: "ENOSPC", path: "/db", after: 1 })
    const syncDir = makeFaultyFsyncDir((d) => synced.push(d), faults)
    syncDir("/db")
    expect(() => syncDir("/db")).toThrow(expect.objectContaining({ _tag: "IOError", code: "ENOSPC", operation: "fsync folder" }))
    syncDir("/other")
    syncDir("/db")
    expect(synced).toEqual(["/db", "/other", "/db"])
    expect(faults.calls.fsyncDir).toBe(4)
    expect(faults.fired).toEqual([{ op: "fsyncDir", path: "/db", code: "ENOSPC" }])
  })
})
