import { Data } from "effect"

/**
 * Errors of @writepath/table, in one module. Messages follow LevelDB's `Status::ToString()`.
 * I/O failures are @writepath/wal's `IOError` (same errno naming).
 */

/** The table's bytes are not a valid LevelDB table: bad CRC, bad magic, truncation, bad block contents. */
export class TableCorruption extends Data.TaggedError("TableCorruption")<{
  readonly path: string
  /** File offset of the block (or footer) where the problem was found. */
  readonly offset: number
  readonly reason: string
}> {
  override get message(): string {
    return `Corruption: ${this.reason} (${this.path}, offset ${this.offset})`
  }
}

/** A valid table using a feature this reader lacks: a zstd-compressed block (LevelDB 1.23's type 2). */
export class TableNotSupported extends Data.TaggedError("TableNotSupported")<{
  readonly path: string
  readonly offset: number
  readonly reason: string
}> {
  override get message(): string {
    return `Not implemented: ${this.reason} (${this.path}, offset ${this.offset})`
  }
}

/** A caller error: keys out of order, an entry type a LevelDB table cannot hold, use after finish. */
export class TableInvalidArgument extends Data.TaggedError("TableInvalidArgument")<{ readonly reason: string }> {
  override get message(): string {
    return `Invalid argument: ${this.reason}`
  }
}
