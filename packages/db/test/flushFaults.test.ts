/**
 * Faults below the write path: an fsync that fails while a flush writes its table, or while
 * it appends its MANIFEST record. Injected by wrapping node:fs (fault injection: the table and
 * MANIFEST writers use node:fs directly), for files whose name matches. Expected, as RocksDB:
 * the failure becomes the background error (later writes and db.flush() get ReadOnlyError
 * carrying the IOError), reads keep serving every acknowledged write, the failed fsync is not
 * retried, and a reopen recovers every acknowledged write from the WALs.
 */
import * as fs from "node:fs"
import { createRequire, syncBuiltinESMExports } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { open } from "../src/index.ts"

const cjsFs = createRequire(import.meta.url)("node:fs") as typeof fs
const dirs: string[] = []
let restore: (() => void) | undefined
afterEach(() => {
  restore?.()
  restore = undefined
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
const td = new TextDecoder()

/**
 * Once armed, makes fsync (callback and sync forms) fail with EIO for descriptors opened on
 * paths matching `target` (installed before the open, so files opened then are known too).
 */
const failFsyncOf = (target: RegExp): { arm(): void; readonly failures: () => number; readonly attempts: () => number } => {
  const fds = new Set<number>()
  let armed = false
  let failures = 0
  let attempts = 0
  const { openSync, fsync, fsyncSync } = cjsFs
  const eio = (): NodeJS.ErrnoException => Object.assign(new Error("EIO: i/o error, fsync (injected)"), { code: "EIO", errno: -5 })
  cjsFs.openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
    const fd = (openSync as (...a: unknown[]) => number)(p, ...rest)
    if (target.test(String(p))) fds.add(fd)
    else fds.delete(fd)
    return fd
  }) as typeof fs.openSync
  cjsFs.fsync = ((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
    if (!armed || !fds.has(fd)) return fsync(fd, cb)
    attempts++
    failures++
    queueMicrotask(() => cb(eio()))
  }) as typeof fs.fsync
  cjsFs.fsyncSync = ((fd: number) => {
    if (!armed || !fds.has(fd)) return fsyncSync(fd)
    attempts++
    failures++
    throw eio()
  }) as typeof fs.fsyncSync
  syncBuiltinESMExports()
  restore = () => {
    Object.assign(cjsFs, { openSync, fsync, fsyncSync })
    syncBuiltinESMExports()
  }
  return {
    arm: () => {
      armed = true
    },
    failures: () => failures,
    attempts: () => attempts,
  }
}

describe("faults in flush", () => {
  it.each([
    ["the table's fsync", /\.ldb$/],
    ["the MANIFEST record's fsync", /MANIFEST-\d+$/],
  ])("EIO on %s: read-only with the IOError, every acknowledged write readable and recovered, no retry", async (_what, target) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-flushfault-"))
    dirs.push(dir)
    const options = { path: dir, writeBufferSize: 64 * 1024 }
    const fault = failFsyncOf(target)
    const db = await open(options)
    const acked: string[] = []
    for (let i = 0; i < 200; i++) {
      await db.put(`a${i}`, `v${i}`, { sync: i % 10 === 0 })
      acked.push(`a${i}`)
    }
    fault.arm()
    // Enough to fill the memtable: the switch schedules the flush that meets the fault.
    let failedWith: unknown
    for (let i = 0; i < 2000 && failedWith === undefined; i++) {
      try {
        await db.put(`b${i}`, "x".repeat(200))
        acked.push(`b${i}`)
      } catch (e) {
        failedWith = e
      }
    }
    expect(fault.failures()).toBe(1)
    expect((failedWith as { _tag?: string })?._tag).toBe("ReadOnlyError")
    expect(String((failedWith as { cause?: { message?: string } }).cause?.message)).toContain("EIO")
    await expect(db.flush()).rejects.toMatchObject({ _tag: "ReadOnlyError" })
    for (const k of acked) expect(await db.get(k)).toBeDefined()
    expect(fault.attempts()).toBe(1) // never retried
    await db.close()
    restore?.()
    restore = undefined

    const again = await open(options)
    for (const k of acked) expect(await again.get(k)).toBeDefined()
    expect(td.decode((await again.get("a199"))!)).toBe("v199")
    await again.put("after", "fault", { sync: true })
    await again.flush()
    await again.close()
  })
})
