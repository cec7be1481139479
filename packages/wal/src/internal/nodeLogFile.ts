/**
 * LogFile on `node:fs`: `writeSync` at an explicit position, `fdatasyncSync` (or the
 * threadpool `fdatasync`, or a dedicated sync thread), `readSync`. Runs unchanged on Node,
 * Bun and Deno.
 *
 * Owns: one file descriptor per handle and the handle's write position.
 * Invariants:
 *  1. `position` is the offset of the next byte to write; it only advances by bytes the
 *     OS accepted, so after a short write that then fails it still names the real tail.
 *  2. A closed handle never touches its (possibly reused) descriptor number again.
 * Yields: only inside `datasync`/`fsync` in threadpool and thread modes (the Promise is the
 * lock drop).
 */
import * as fs from "node:fs"
import type { LogFileService, ReadableLogFile, WritableLogFile } from "../LogFile.ts"
import { IOError, ioErrorFrom } from "../WalError.ts"
import { SyncThread } from "./syncThread.ts"

export interface NodeLogFileOptions {
  /**
   * Where fdatasync/fsync run. "blocking" (default): `fdatasyncSync` on the calling
   * thread; lowest latency for one writer. "threadpool": libuv's `fdatasync`, so the event
   * loop keeps running (other writers can queue a group) while the disk works. "thread": one
   * dedicated worker thread per service runs the syncs, woken through a SharedArrayBuffer
   * (Atomics.notify) and answering through Atomics.waitAsync; the event loop keeps running
   * too, and no libuv job is queued per sync.
   */
  readonly syncOn?: "blocking" | "threadpool" | "thread"
}

const promisified = (f: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void, fd: number): Promise<void> =>
  new Promise((resolve, reject) => f(fd, (err) => (err ? reject(err) : resolve())))

class NodeWritable implements WritableLogFile {
  readonly path: string
  private readonly blocking: boolean
  private readonly thread: SyncThread | undefined
  /** This file's id on `thread` (0 without one). */
  private readonly threadFile: number
  private fd: number
  private position = 0
  private closed = false

  constructor(path: string, fd: number, blocking: boolean, thread: SyncThread | undefined) {
    this.path = path
    this.fd = fd
    this.blocking = blocking
    this.thread = thread
    this.threadFile = thread === undefined ? 0 : thread.register(path)
  }

  append(data: Uint8Array, start: number, end: number): void {
    if (this.closed) throw new IOError({ operation: "append", path: this.path, code: "EBADF", detail: "file is closed" })
    while (start < end) {
      let n: number
      try {
        n = fs.writeSync(this.fd, data, start, end - start, this.position)
      } catch (e) {
        throw ioErrorFrom("append", this.path, e)
      }
      // writeSync may write fewer bytes (a signal, a nearly full disk); retry the rest, as
      // RocksDB's PosixWritableFile::Append does.
      this.position += n
      start += n
    }
  }

  size(): number {
    return this.position
  }

  datasync(): Promise<void> {
    return this.syncWith("fdatasync")
  }

  fsync(): Promise<void> {
    return this.syncWith("fsync")
  }

  private syncWith(kind: "fdatasync" | "fsync"): Promise<void> {
    if (this.closed) return Promise.reject(new IOError({ operation: kind, path: this.path, code: "EBADF", detail: "file is closed" }))
    if (this.blocking) {
      try {
        if (kind === "fdatasync") fs.fdatasyncSync(this.fd)
        else fs.fsyncSync(this.fd)
        return Promise.resolve()
      } catch (e) {
        return Promise.reject(ioErrorFrom(kind, this.path, e))
      }
    }
    if (this.thread !== undefined) return this.thread.sync(this.threadFile, kind, this.path)
    return promisified(kind === "fdatasync" ? fs.fdatasync : fs.fsync, this.fd).catch((e: unknown) => {
      throw ioErrorFrom(kind, this.path, e)
    })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.thread?.release(this.threadFile)
    try {
      fs.closeSync(this.fd)
    } catch {
      // close(2) errors after a successful sync carry no information about durability
      // (Linux releases the descriptor even on EINTR/EIO); what mattered was reported by sync.
    }
    this.fd = -1
  }
}

class NodeReadable implements ReadableLogFile {
  readonly path: string
  private readonly fd: number
  private closed = false

  constructor(path: string, fd: number) {
    this.path = path
    this.fd = fd
  }

  size(): number {
    try {
      return fs.fstatSync(this.fd).size
    } catch (e) {
      throw ioErrorFrom("stat", this.path, e)
    }
  }

  read(position: number, into: Uint8Array, offset: number, length: number): number {
    if (this.closed) throw new IOError({ operation: "read", path: this.path, code: "EBADF", detail: "file is closed" })
    try {
      return fs.readSync(this.fd, into, offset, length, position)
    } catch (e) {
      throw ioErrorFrom("read", this.path, e)
    }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    try {
      fs.closeSync(this.fd)
    } catch {
      // nothing to report for a read-only descriptor
    }
  }
}

const openFd = (path: string, flags: string, operation: string): number => {
  let fd: number
  try {
    fd = fs.openSync(path, flags, 0o644)
  } catch (e) {
    throw ioErrorFrom(operation, path, e)
  }
  let isFile: boolean
  try {
    isFile = fs.fstatSync(fd).isFile()
  } catch (e) {
    fs.closeSync(fd)
    throw ioErrorFrom(operation, path, e)
  }
  if (!isFile) {
    fs.closeSync(fd)
    throw new IOError({ operation, path, code: "EISDIR", detail: "not a regular file" })
  }
  return fd
}

export const makeNodeLogFile = (options: NodeLogFileOptions): LogFileService => {
  const syncOn = options.syncOn ?? "blocking"
  const blocking = syncOn === "blocking"
  // One sync thread per service, started on the first file's first request.
  const thread = syncOn === "thread" ? new SyncThread() : undefined
  return {
    openWritable: (path, opts) => new NodeWritable(path, openFd(path, opts?.reuse ? "r+" : "w", "open for write"), blocking, thread),
    openReadable: (path) => new NodeReadable(path, openFd(path, "r", "open for read")),
  }
}
