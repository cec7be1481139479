import { Data } from "effect"

/**
 * Errors of @writepath/version, in one module; messages follow LevelDB's `Status::ToString()`.
 * File-system failures are @writepath/wal's `IOError`; corrupt tables are @writepath/table's.
 */

/** A MANIFEST, a VersionEdit or CURRENT is not valid (`Status::Corruption`). */
export class VersionCorruption extends Data.TaggedError("VersionCorruption")<{
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `Corruption: ${this.reason} (${this.path})`
  }
}

/** A caller error: an edit that breaks the version set's rules, an entry a flush cannot write. */
export class VersionInvalidArgument extends Data.TaggedError("VersionInvalidArgument")<{ readonly reason: string }> {
  override get message(): string {
    return `Invalid argument: ${this.reason}`
  }
}

/** The version set's MANIFEST writer failed earlier (write or sync) or was closed; reopen to recover. */
export class VersionSetClosed extends Data.TaggedError("VersionSetClosed")<{ readonly path: string; readonly reason: string }> {
  override get message(): string {
    return `IO error: ${this.path}: ${this.reason}`
  }
}
