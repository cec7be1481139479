import { Data } from "effect"

/**
 * Errors of @writepath/wal, in one module. Messages follow RocksDB's
 * `Status::ToString()` ("Corruption: ...", "IO error: ...") so they can be compared
 * with RocksDB's logs and tests.
 */

/** One region the reader dropped, and why (`log::Reader::Reporter::Corruption`). */
export interface DroppedRegion {
  /** The WAL's log number (0 when read without one). */
  readonly logNumber: number
  /** File offset of the physical record (or block) where the drop was detected. */
  readonly offset: number
  /** Bytes dropped, as RocksDB counts them. */
  readonly bytes: number
  /** RocksDB's reason text: "checksum mismatch", "truncated header", ... */
  readonly reason: string
  /** "Corruption" for format problems, "IOError" when the file could not be read. */
  readonly kind: "Corruption" | "IOError"
}

/**
 * The WAL's bytes are not a valid log under the chosen recovery mode
 * (`Status::Corruption`). `dropped` lists every region the reader gave up on.
 */
export class WalCorruption extends Data.TaggedError("WalCorruption")<{
  readonly reason: string
  readonly logNumber: number
  readonly offset: number
  readonly dropped: ReadonlyArray<DroppedRegion>
}> {
  override get message(): string {
    return `Corruption: ${this.reason} (log ${this.logNumber}, offset ${this.offset})`
  }
}

/**
 * The operating system refused an operation on a WAL file or the WAL folder
 * (`Status::IOError`). `code` is the errno name when there is one (EIO, ENOSPC,
 * ENOENT, EISDIR, ...). A failed sync is never retried: see `LogWriter.sync`.
 */
export class IOError extends Data.TaggedError("IOError")<{
  readonly operation: string
  readonly path: string
  readonly code?: string
  readonly cause?: unknown
  readonly detail?: string
}> {
  override get message(): string {
    const what = this.detail ?? (this.cause instanceof Error ? this.cause.message : (this.code ?? "failed"))
    return `IO error: ${this.operation} ${this.path}: ${what}`
  }
}

/** The log uses a feature this reader does not implement, e.g. a compressed WAL (`Status::NotSupported`). */
export class WalNotSupported extends Data.TaggedError("WalNotSupported")<{
  readonly reason: string
  readonly logNumber: number
}> {
  override get message(): string {
    return `Not implemented: ${this.reason} (log ${this.logNumber})`
  }
}

/** An operation on a writer or manager that was closed, or that failed earlier and is now read-only. */
export class WalClosed extends Data.TaggedError("WalClosed")<{ readonly path: string; readonly reason: string }> {
  override get message(): string {
    return `IO error: ${this.path}: ${this.reason}`
  }
}

/** A bad argument or option (`Status::InvalidArgument`). */
export class WalInvalidArgument extends Data.TaggedError("WalInvalidArgument")<{ readonly reason: string }> {
  override get message(): string {
    return `Invalid argument: ${this.reason}`
  }
}

export type WalError = WalCorruption | IOError | WalNotSupported | WalClosed | WalInvalidArgument

/** Turns a thrown `node:fs` error into an IOError, keeping its errno name. */
export const ioErrorFrom = (operation: string, path: string, cause: unknown): IOError => {
  if (cause instanceof IOError) return cause
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String((cause as { code: unknown }).code) : undefined
  return new IOError(code === undefined ? { operation, path, cause } : { operation, path, code, cause })
}
