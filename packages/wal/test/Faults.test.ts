/**
 * Fault injection through testkit's FaultyLogFile: EIO and ENOSPC on write, short writes,
 * EIO on fdatasync/fsync, read errors during recovery. A failed write or sync is reported,
 * breaks the writer, and is never retried as if it had succeeded.
 */
import { WriteBatch } from "@writepath/batch"
import { FaultInjector, makeFaultyLogFile, makeMemoryLogFile } from "@writepath/testkit"
import { describe, expect, it } from "vitest"
import { IOError, LogWriter, recoverLogs, WalClosed, WalCorruption, type WalRecoveryMode } from "../src/index.ts"

const PATH = "/db/000009.log"

const batch = (seq: number, key: string): Uint8Array => {
  const b = new WriteBatch().put(key, `value-${key}`)
  b.sequence = seq
  return b.data
}

const setup = (writerOptions: { manualWalFlush?: boolean; walBytesPerSync?: number; useFsync?: boolean } = {}) => {
  const mem = makeMemoryLogFile()
  const faults = new FaultInjector()
  const service = makeFaultyLogFile(mem, faults)
  const writer = new LogWriter(service.openWritable(PATH), { logNumber: 9, ...writerOptions })
  const recovered = (mode: WalRecoveryMode = "point-in-time") =>
    recoverLogs(service, [{ logNumber: 9, path: PATH }], { recoveryMode: mode }).records.map((r) => r.sequence)
  return { mem, faults, service, writer, recovered }
}

const rejection = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error("expected a rejection")
}

describe("write faults", () => {
  it("EIO on write: addRecord throws a typed IOError and the writer refuses further work", () => {
    const { faults, writer, recovered } = setup()
    writer.addRecord(batch(1, "a"))
    faults.inject({ op: "append", code: "EIO" })
    expect(() => writer.addRecord(batch(2, "b"))).toThrow(IOError)
    expect((writer.error as IOError).code).toBe("EIO")
    expect(() => writer.addRecord(batch(3, "c"))).toThrow(WalClosed)
    expect(faults.calls.append).toBe(2) // the third record never reached the file
    expect(recovered()).toEqual([1])
  })

  it("ENOSPC: reported with its errno", () => {
    const { faults, writer } = setup()
    faults.inject({ op: "append", code: "ENOSPC" })
    let err: unknown
    try {
      writer.addRecord(batch(1, "a"))
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(IOError)
    expect((err as IOError).code).toBe("ENOSPC")
    expect((err as IOError).message).toContain("ENOSPC")
  })

  it("short write then ENOSPC: the torn record is a torn tail, per recovery mode", () => {
    const { faults, writer, mem, recovered } = setup()
    writer.addRecord(batch(1, "a"))
    writer.addRecord(batch(2, "b"))
    const before = mem.readBytes(PATH).length
    faults.inject({ op: "append", code: "ENOSPC", partialBytes: 9 })
    expect(() => writer.addRecord(batch(3, "c"))).toThrow(IOError)
    expect(mem.readBytes(PATH).length).toBe(before + 9)
    expect(recovered("point-in-time")).toEqual([1, 2])
    expect(recovered("tolerate-corrupted-tail-records")).toEqual([1, 2])
    expect(recovered("skip-any-corrupted-records")).toEqual([1, 2])
    expect(() => recovered("absolute-consistency")).toThrow(WalCorruption)
  })

  it("manualWalFlush: nothing reaches the file until flush; a failing flush is reported", () => {
    const { faults, writer, mem } = setup({ manualWalFlush: true })
    writer.addRecord(batch(1, "a"))
    writer.addRecord(batch(2, "b"))
    expect(faults.calls.append).toBe(0)
    expect(mem.readBytes(PATH).length).toBe(0)
    faults.inject({ op: "append", code: "EIO" })
    expect(() => writer.flush()).toThrow(IOError)
    expect(() => writer.flush()).toThrow(WalClosed)
  })
})

describe("sync faults", () => {
  it("EIO on fdatasync: sync rejects, the data is not durable, and sync is never retried as a success", async () => {
    const { faults, writer, mem, recovered } = setup()
    writer.addRecord(batch(1, "a"))
    await writer.sync()
    expect(writer.durableSize).toBe(mem.readBytes(PATH).length)
    writer.addRecord(batch(2, "b"))
    faults.inject({ op: "datasync", code: "EIO" })
    const e1 = await rejection(writer.sync())
    expect(e1).toBeInstanceOf(IOError)
    expect((e1 as IOError).code).toBe("EIO")
    // The fault is gone now: a naive retry would "succeed". The writer must refuse instead.
    const e2 = await rejection(writer.sync())
    expect(e2).toBeInstanceOf(WalClosed)
    expect(faults.calls.datasync).toBe(2) // the second sync() never reached the OS
    expect(writer.durableSize).toBeLessThan(mem.readBytes(PATH).length)
    expect(() => writer.addRecord(batch(3, "c"))).toThrow(WalClosed)
    // Power loss: only what a confirmed sync covered is left.
    mem.crash()
    expect(recovered()).toEqual([1])
  })

  it("useFsync: sync calls fsync, not fdatasync; EIO on fsync is reported", async () => {
    const { faults, writer } = setup({ useFsync: true })
    writer.addRecord(batch(1, "a"))
    await writer.sync()
    expect([faults.calls.fsync, faults.calls.datasync]).toEqual([1, 0])
    faults.inject({ op: "fsync", code: "EIO" })
    writer.addRecord(batch(2, "b"))
    expect(await rejection(writer.sync())).toBeInstanceOf(IOError)
  })

  it("walBytesPerSync: a background sync starts every N bytes; its failure breaks the writer", async () => {
    const { faults, writer } = setup({ walBytesPerSync: 100 })
    for (let i = 1; i <= 3; i++) writer.addRecord(batch(i, `k${i}`.padEnd(60, "x")))
    expect(faults.calls.datasync).toBe(1)
    await writer.sync() // waits for nothing in particular; the background sync has settled by now
    faults.inject({ op: "datasync", code: "EIO" })
    for (let i = 4; i <= 6; i++) writer.addRecord(batch(i, `k${i}`.padEnd(60, "x")))
    expect(faults.calls.datasync).toBe(3)
    // Let the rejected background sync settle, then every call fails.
    await Promise.resolve()
    await Promise.resolve()
    expect(() => writer.addRecord(batch(7, "z"))).toThrow(WalClosed)
    expect(await rejection(writer.sync())).toBeInstanceOf(WalClosed)
  })
})

describe("read faults during recovery", () => {
  const prepare = () => {
    const s = setup()
    for (let i = 1; i <= 3; i++) s.writer.addRecord(batch(i, `k${i}`))
    return s
  }

  it("EIO on read: an IOError in every mode but skip-any-corrupted-records", () => {
    for (const mode of ["point-in-time", "absolute-consistency", "tolerate-corrupted-tail-records"] as const) {
      const { faults, recovered } = prepare()
      faults.inject({ op: "read", code: "EIO" })
      expect(() => recovered(mode)).toThrow(IOError)
    }
    const { faults, recovered } = prepare()
    faults.inject({ op: "read", code: "EIO" })
    expect(recovered("skip-any-corrupted-records")).toEqual([])
  })

  it("a log that cannot be opened is an IOError", () => {
    const { faults, recovered } = prepare()
    faults.inject({ op: "openReadable", code: "EACCES" })
    expect(() => recovered()).toThrow(IOError)
  })
})
