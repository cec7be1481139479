import { Data } from "effect"

/**
 * Errors of @writepath/db. Messages start with RocksDB's status words so logs read
 * the same ("IO error: ...", "Invalid argument: ...").
 */

/** Another process (or another open handle in this one) holds the database's LOCK file. */
export class DatabaseLocked extends Data.TaggedError("DatabaseLocked")<{
  readonly path: string
  readonly holderPid: number
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

/** An operation on a closed database. */
export class DbClosed extends Data.TaggedError("DbClosed")<{ readonly operation: string }> {
  override get message(): string {
    return `Invalid argument: ${this.operation}: database is closed`
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

/** Bad arguments to a public method (wrong types, released snapshot, unknown transaction...). */
export class InvalidArgument extends Data.TaggedError("InvalidArgument")<{ readonly reason: string }> {
  override get message(): string {
    return `Invalid argument: ${this.reason}`
  }
}

/** An operation writepath does not support (`Status::NotSupported`). */
export class NotSupported extends Data.TaggedError("NotSupported")<{ readonly reason: string }> {
  override get message(): string {
    return `Not implemented: ${this.reason}`
  }
}
