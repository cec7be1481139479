/**
 * One look at a database folder: every file name LevelDB's `ParseFileName` knows, sorted by
 * kind, with its size. Taken once, up front, so that the rest of the report describes one
 * listing (a live database may create and delete files meanwhile: a file that vanishes
 * between readdir and stat is left out, as if listed a moment later).
 *
 * Read-only: readdir and stat only. Synchronous.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { parseFileName } from "@writepath/version"
import { IOError, parseLogFileName } from "@writepath/wal"
import { InspectFolderMissing, InspectNotAFolder } from "./InspectError.ts"

export interface FolderListing {
  /** Absolute path of the folder. */
  readonly dir: string
  /** Size of every regular file, by name. */
  readonly sizes: ReadonlyMap<string, number>
  readonly hasCurrent: boolean
  readonly hasIdentity: boolean
  readonly hasLock: boolean
  /** Table files by number: NNNNNN.ldb, or NNNNNN.sst when only that exists (LevelDB reads both). */
  readonly tables: ReadonlyMap<number, string>
  /** NNNNNN.log numbers, ascending. */
  readonly logs: ReadonlyArray<number>
  /** NNNNNN.dbtmp names, sorted. */
  readonly temps: ReadonlyArray<string>
  /** MANIFEST-NNNNNN names, sorted. */
  readonly manifests: ReadonlyArray<string>
}

const codeOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code

/** Throws InspectFolderMissing, InspectNotAFolder, or IOError (e.g. EACCES on the folder). */
export const listFolder = (folder: string): FolderListing => {
  const dir = path.resolve(folder)
  let st: fs.Stats
  try {
    st = fs.statSync(dir)
  } catch (e) {
    // ENOTDIR: a parent is a file, so nothing at `dir` can exist either.
    if (codeOf(e) === "ENOENT" || codeOf(e) === "ENOTDIR") throw new InspectFolderMissing({ path: dir })
    throw new IOError({ operation: "stat", path: dir, code: codeOf(e) ?? "unknown", cause: e })
  }
  if (!st.isDirectory()) throw new InspectNotAFolder({ path: dir })
  let names: string[]
  try {
    names = fs.readdirSync(dir).sort()
  } catch (e) {
    throw new IOError({ operation: "list", path: dir, code: codeOf(e) ?? "unknown", cause: e })
  }
  const sizes = new Map<string, number>()
  for (const name of names) {
    try {
      const s = fs.statSync(path.join(dir, name))
      if (s.isFile()) sizes.set(name, s.size)
    } catch (e) {
      if (codeOf(e) !== "ENOENT")
        throw new IOError({ operation: "stat", path: path.join(dir, name), code: codeOf(e) ?? "unknown", cause: e })
    }
  }
  const tables = new Map<number, string>()
  const logs: number[] = []
  const temps: string[] = []
  const manifests: string[] = []
  for (const name of sizes.keys()) {
    const logNumber = parseLogFileName(name)
    if (logNumber !== undefined) {
      logs.push(logNumber)
      continue
    }
    const parsed = parseFileName(name)
    if (parsed?.type === "table") {
      // LevelDB prefers the .ldb name and falls back to .sst; so does the report.
      if (!tables.has(parsed.number) || name.endsWith(".ldb")) tables.set(parsed.number, name)
    } else if (parsed?.type === "temp") temps.push(name)
    else if (parsed?.type === "descriptor") manifests.push(name)
  }
  return {
    dir,
    sizes,
    hasCurrent: sizes.has("CURRENT"),
    hasIdentity: sizes.has("IDENTITY"),
    hasLock: sizes.has("LOCK"),
    tables,
    logs: logs.sort((a, b) => a - b),
    temps,
    manifests,
  }
}
