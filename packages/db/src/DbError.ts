/**
 * Every error a caller of @writepath/db can meet, in one module: the engine's own, and those
 * its parts raise through it (options, WAL, tables, MANIFEST, write stalls), re-exported so a
 * caller imports them from one place. Each is a tagged error (`_tag`), so Effect code handles
 * them with `Effect.catchTag`, Promise code with `instanceof` or `_tag`.
 *
 * Messages start with RocksDB's status words so logs read the same ("IO error: ...",
 * "Invalid argument: ...", "Corruption: ...").
 *
 * @example
 * ```ts
 * import { Db, type DbError } from "@writepath/db"
 * const program = Db.put("k", "v").pipe(
 *   Effect.catchTag("ReadOnlyError", (e) => Effect.logError(e.message)),
 * )
 * ```
 */
import { InvalidArgument } from "@writepath/batch"
import { WriteStall } from "@writepath/core-queue"
import { InvalidOptions } from "@writepath/strategies"
import { TableCorruption } from "@writepath/table"
import { VersionCorruption } from "@writepath/version"
import { IOError, WalCorruption } from "@writepath/wal"
import { Data } from "effect"

export { InvalidArgument, InvalidOptions, IOError, TableCorruption, VersionCorruption, WalCorruption, WriteStall }

/** Another process (or another open handle in this one) holds the database's LOCK file. */
export class DatabaseLocked extends Data.TaggedError("DatabaseLocked")<{
  /** The database folder. */
  readonly path: string
  /** The process id written in the LOCK file. */
  readonly holderPid: number
  /** The host name written in the LOCK file ("unknown" when it could not be read). */
  readonly holderHost: string
}> {
  override get message(): string {
    return `IO error: database is locked: ${this.path}/LOCK is held by process ${this.holderPid} on ${this.holderHost}`
  }
}

/** `createIfMissing: false` and the folder holds no database. */
export class DatabaseNotFound extends Data.TaggedError("DatabaseNotFound")<{ readonly path: string }> {
  override get message(): string {
    return `Invalid argument: ${this.path}: does not exist (createIfMissing is false)`
  }
}

/** `errorIfExists: true` and the folder already holds a database. */
export class DatabaseExists extends Data.TaggedError("DatabaseExists")<{ readonly path: string }> {
  override get message(): string {
    return `Invalid argument: ${this.path}: exists (errorIfExists is true)`
  }
}

/** An operation on a closed database, or on an iterator whose database was closed. */
export class DbClosed extends Data.TaggedError("DbClosed")<{
  /** The method called (`put`, `get`, `iterator.next`, ...). */
  readonly operation: string
}> {
  override get message(): string {
    return `${this.operation}: the database is closed`
  }
}

/**
 * The database stopped accepting writes after a failed WAL write, sync or memtable
 * insert (RocksDB's background error). Reads keep working; reopen to recover.
 */
export class ReadOnlyError extends Data.TaggedError("ReadOnlyError")<{ readonly cause: unknown }> {
  override get message(): string {
    const c = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `IO error: database is read-only after an earlier write failure: ${c}`
  }
}

/** An operation writepath does not support (`Status::NotSupported`). */
export class NotSupported extends Data.TaggedError("NotSupported")<{ readonly reason: string }> {
  override get message(): string {
    return `Not implemented: ${this.reason}`
  }
}

/**
 * Any error an engine operation can fail with: the error channel of every `Db` effect and
 * what a rejected `Database` promise holds (anything else is a bug, a defect).
 */
export type DbError =
  | DatabaseExists
  | DatabaseLocked
  | DatabaseNotFound
  | DbClosed
  | InvalidArgument
  | InvalidOptions
  | IOError
  | NotSupported
  | ReadOnlyError
  | TableCorruption
  | VersionCorruption
  | WalCorruption
  | WriteStall

const DB_ERROR_CLASSES = [
  DatabaseExists,
  DatabaseLocked,
  DatabaseNotFound,
  DbClosed,
  InvalidArgument,
  InvalidOptions,
  IOError,
  NotSupported,
  ReadOnlyError,
  TableCorruption,
  VersionCorruption,
  WalCorruption,
  WriteStall,
] as const

/** True for the errors of the `DbError` union (by class, so a look-alike `_tag` does not count). */
export const isDbError = (u: unknown): u is DbError => DB_ERROR_CLASSES.some((c) => u instanceof c)
