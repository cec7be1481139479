import { Data } from "effect"

/**
 * Errors of `db inspect`, in one module. Each is a reason the folder cannot be described at
 * all; problems inside one file (a missing or corrupt table, a damaged WAL) are not errors
 * but entries of the report, so one bad file never hides the rest of the folder.
 * Messages start with RocksDB's status words and name the path, one line each (the CLI prints
 * them as they are).
 */

/** Nothing exists at the path. */
export class InspectFolderMissing extends Data.TaggedError("InspectFolderMissing")<{ readonly path: string }> {
  override get message(): string {
    return `IO error: ${this.path}: no such folder`
  }
}

/** The path exists but is a file (or something else that is not a folder). */
export class InspectNotAFolder extends Data.TaggedError("InspectNotAFolder")<{ readonly path: string }> {
  override get message(): string {
    return `Invalid argument: ${this.path} is not a folder`
  }
}

/**
 * The folder holds none of the files a database always has: no CURRENT (LevelDB, writepath
 * once it has a MANIFEST), no NNNNNN.log (writepath before that) and no IDENTITY (writepath).
 */
export class InspectNotADatabase extends Data.TaggedError("InspectNotADatabase")<{ readonly path: string }> {
  override get message(): string {
    return `Invalid argument: ${this.path} is not a database (no CURRENT, no NNNNNN.log, no IDENTITY)`
  }
}

/**
 * CURRENT or the MANIFEST it names cannot be read as recovery would read it: the folder's
 * table set is unknown, so nothing about its tables can be reported truthfully.
 */
export class InspectCorruption extends Data.TaggedError("InspectCorruption")<{ readonly path: string; readonly reason: string }> {
  override get message(): string {
    return `Corruption: ${this.reason} (${this.path})`
  }
}

export type InspectError = InspectFolderMissing | InspectNotAFolder | InspectNotADatabase | InspectCorruption
