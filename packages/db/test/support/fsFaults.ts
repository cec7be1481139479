/**
 * Fault injection below the engine's table and MANIFEST writers, which use node:fs directly
 * (the WAL's faults come from testkit's FaultyLogFile layer): once armed, `writeSync`
 * (ENOSPC by default) or `fsync`/`fsyncSync` (EIO) fail for descriptors opened on paths
 * matching `target`. Installed before the database opens, so its files are tracked; restored
 * by `restore()` (call it in afterEach). Mocks only for fault injection.
 */
import type * as fs from "node:fs"
import { createRequire, syncBuiltinESMExports } from "node:module"

const cjsFs = createRequire(import.meta.url)("node:fs") as typeof fs

export interface FsFaults {
  /** Fail `op` from now on, until `disarm` (the cause is gone). */
  arm(op: "write" | "fsync", code?: string): void
  disarm(): void
  readonly failures: () => number
  restore(): void
}

export const fsFaults = (target: RegExp): FsFaults => {
  const fds = new Set<number>()
  let armed: { op: "write" | "fsync"; code: string } | undefined
  let failures = 0
  const { openSync, writeSync, fsync, fsyncSync } = cjsFs
  const err = (code: string, call: string): NodeJS.ErrnoException =>
    Object.assign(new Error(`${code}: injected, ${call}`), { code, errno: code === "ENOSPC" ? -28 : -5, syscall: call })
  const hit = (op: "write" | "fsync", fd: number): string | undefined => {
    if (armed?.op !== op || !fds.has(fd)) return undefined
    failures++
    return armed.code
  }
  cjsFs.openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
    const fd = (openSync as (...a: unknown[]) => number)(p, ...rest)
    if (target.test(String(p))) fds.add(fd)
    else fds.delete(fd)
    return fd
  }) as typeof fs.openSync
  cjsFs.writeSync = ((fd: number, ...rest: unknown[]) => {
    const code = hit("write", fd)
    if (code !== undefined) throw err(code, "write")
    return (writeSync as (...a: unknown[]) => number)(fd, ...rest)
  }) as typeof fs.writeSync
  cjsFs.fsync = ((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
    const code = hit("fsync", fd)
    if (code === undefined) return fsync(fd, cb)
    queueMicrotask(() => cb(err(code, "fsync")))
  }) as typeof fs.fsync
  cjsFs.fsyncSync = ((fd: number) => {
    const code = hit("fsync", fd)
    if (code !== undefined) throw err(code, "fsync")
    return fsyncSync(fd)
  }) as typeof fs.fsyncSync
  syncBuiltinESMExports()
  return {
    arm: (op, code) => {
      armed = { op, code: code ?? (op === "write" ? "ENOSPC" : "EIO") }
    },
    disarm: () => {
      armed = undefined
    },
    failures: () => failures,
    restore: () => {
      Object.assign(cjsFs, { openSync, writeSync, fsync, fsyncSync })
      syncBuiltinESMExports()
    },
  }
}
