/**
 * An in-memory LogFile layer that models what the OS guarantees: appended bytes are
 * visible at once but durable only after a sync, and `crash()` forgets what was not synced.
 *
 * Owns: a map from path to file state (`data[0..length)`, `synced` = bytes durable).
 * Invariants:
 *  1. `synced <= length` for every file.
 *  2. After `crash()` every file is exactly its durable prefix (`length = synced`).
 * Synchronous; syncs resolve on the next microtask. Nothing else yields.
 */
import { IOError, LogFile, type LogFileService, type ReadableLogFile, type WritableLogFile } from "@writepath/wal"
import { Layer } from "effect"

interface MemFile {
  data: Uint8Array
  length: number
  synced: number
}

export interface MemoryLogFileSystem extends LogFileService {
  /** A copy of the file's current contents (what a reader would see now). */
  readonly readBytes: (path: string) => Uint8Array
  /** Replaces a file's contents; they count as durable. */
  readonly writeBytes: (path: string, bytes: Uint8Array) => void
  /** Bytes of `path` known durable. */
  readonly syncedBytes: (path: string) => number
  readonly exists: (path: string) => boolean
  readonly remove: (path: string) => void
  readonly rename: (from: string, to: string) => void
  readonly list: () => ReadonlyArray<string>
  /** Power loss: every file keeps only what was synced. */
  readonly crash: () => void
}

const grow = (f: MemFile, need: number): void => {
  if (need <= f.data.length) return
  const next = new Uint8Array(Math.max(need, f.data.length * 2, 1024))
  next.set(f.data.subarray(0, f.length))
  f.data = next
}

export const makeMemoryLogFile = (): MemoryLogFileSystem => {
  const files = new Map<string, MemFile>()
  const get = (path: string, operation: string): MemFile => {
    const f = files.get(path)
    if (!f) throw new IOError({ operation, path, code: "ENOENT", detail: "no such file" })
    return f
  }

  const openWritable = (path: string, options?: { readonly reuse?: boolean }): WritableLogFile => {
    let f: MemFile
    if (options?.reuse) {
      f = get(path, "open for write")
    } else {
      f = { data: new Uint8Array(1024), length: 0, synced: 0 }
      files.set(path, f)
    }
    let position = 0
    let closed = false
    const check = (operation: string) => {
      if (closed) throw new IOError({ operation, path, code: "EBADF", detail: "file is closed" })
    }
    return {
      path,
      append(data, start, end) {
        check("append")
        const n = end - start
        grow(f, position + n)
        f.data.set(data.subarray(start, end), position)
        position += n
        if (position > f.length) f.length = position
      },
      size: () => position,
      datasync() {
        try {
          check("fdatasync")
        } catch (e) {
          return Promise.reject(e)
        }
        f.synced = f.length
        return Promise.resolve()
      },
      fsync() {
        try {
          check("fsync")
        } catch (e) {
          return Promise.reject(e)
        }
        f.synced = f.length
        return Promise.resolve()
      },
      close() {
        closed = true
      },
    }
  }

  const openReadable = (path: string): ReadableLogFile => {
    const f = get(path, "open for read")
    return {
      path,
      size: () => f.length,
      read(position, into, offset, length) {
        if (position >= f.length) return 0
        const n = Math.min(length, f.length - position)
        into.set(f.data.subarray(position, position + n), offset)
        return n
      },
      close() {},
    }
  }

  return {
    openWritable,
    openReadable,
    readBytes: (path) => {
      const f = get(path, "read")
      return f.data.slice(0, f.length)
    },
    writeBytes: (path, bytes) => {
      // Updated in place, so a writer still holding the file keeps writing into it.
      const f = files.get(path)
      if (f) {
        f.data = bytes.slice()
        f.length = bytes.length
        f.synced = bytes.length
      } else {
        files.set(path, { data: bytes.slice(), length: bytes.length, synced: bytes.length })
      }
    },
    syncedBytes: (path) => get(path, "stat").synced,
    exists: (path) => files.has(path),
    remove: (path) => {
      files.delete(path)
    },
    rename: (from, to) => {
      files.set(to, get(from, "rename"))
      files.delete(from)
    },
    list: () => [...files.keys()].sort(),
    crash: () => {
      for (const f of files.values()) {
        f.data.fill(0, f.synced, f.length)
        f.length = f.synced
      }
    },
  }
}

/** LogFile over a memory file system; pass one in to inspect it from the test. */
export const layerMemoryLogFile = (fs: MemoryLogFileSystem = makeMemoryLogFile()): Layer.Layer<LogFile> => Layer.succeed(LogFile, fs)
