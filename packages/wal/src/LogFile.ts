/**
 * LogFile: the narrow I/O service under the WAL's hot path.
 *
 * Why not `@effect/platform`'s File: measured on this machine it is ~40x slower than
 * `fs.writeSync` for 100-byte appends and has fsync but no fdatasync. The WAL needs
 * exactly: positional appends that write everything or fail, fdatasync/fsync that resolve
 * only after the OS confirmed, reads, size and close. Buffering (RocksDB's
 * WritableFileWriter: append/flush) sits above this, in LogWriter, so every layer
 * (node:fs, testkit's memory and fault-injecting layers) sees the same syscall-sized calls
 * and a fault is injected exactly where the OS could fail.
 *
 * The methods are plain (synchronous, or Promise for syncs) and throw `IOError`: the
 * per-record path must not allocate an Effect per call. Effect code reaches them through
 * the `LogFile` tag; `LogWriter`/`WalManager` give the Effect faces.
 */
import { Context, Layer } from "effect"
import { makeNodeLogFile, type NodeLogFileOptions } from "./internal/nodeLogFile.ts"

/** A WAL file open for writing. Not shared: owned by one LogWriter. */
export interface WritableLogFile {
  readonly path: string
  /**
   * Hands all of `data[start..end)` to the OS at offset `size()` (one write syscall when it
   * can). Either every byte is written or it throws `IOError`; after a throw the file's
   * tail is unknown (a short write may have landed), so the caller must stop using it.
   */
  append(data: Uint8Array, start: number, end: number): void
  /** Offset of the next append: bytes handed to the OS through this handle (plus the start offset). */
  size(): number
  /** fdatasync: resolves only after the OS confirmed that appended data is durable; rejects with `IOError`. */
  datasync(): Promise<void>
  /** fsync (data and metadata); for `useFsync`. */
  fsync(): Promise<void>
  /** Releases the descriptor. Does not sync. Idempotent. */
  close(): void
}

/** A WAL file open for reading. */
export interface ReadableLogFile {
  readonly path: string
  /** Current size in bytes. */
  size(): number
  /** Reads up to `length` bytes at `position` into `into[offset..]`; returns the count, 0 at EOF. Throws `IOError`. */
  read(position: number, into: Uint8Array, offset: number, length: number): number
  close(): void
}

export interface OpenWritableOptions {
  /**
   * Open an existing file without truncating it and write from offset 0 over its old
   * contents: WAL recycling. Stale records beyond the new data are told apart by the log
   * number in their recyclable headers.
   */
  readonly reuse?: boolean
}

export interface LogFileService {
  /** Creates (or truncates) `path`, or reuses it (`reuse`). Throws `IOError`. */
  readonly openWritable: (path: string, options?: OpenWritableOptions) => WritableLogFile
  /** Opens an existing regular file. Throws `IOError` (ENOENT, EISDIR, EACCES ...). */
  readonly openReadable: (path: string) => ReadableLogFile
}

export class LogFile extends Context.Tag("@writepath/wal/LogFile")<LogFile, LogFileService>() {}

/** The `node:fs` implementation (Node, Bun and Deno all run it). */
export const makeNode = (options: NodeLogFileOptions = {}): LogFileService => makeNodeLogFile(options)

/** LogFile on `node:fs`, with `fdatasync` run on the calling thread (the default: fastest measured). */
export const layerNode = (options: NodeLogFileOptions = {}): Layer.Layer<LogFile> => Layer.succeed(LogFile, makeNodeLogFile(options))

export type { NodeLogFileOptions }
