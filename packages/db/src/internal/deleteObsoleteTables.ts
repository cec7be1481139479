/**
 * The table half of `DeleteObsoleteFiles`: removes table files the MANIFEST does not list (a
 * flush or compaction that crashed before its MANIFEST record, or the inputs of a finished
 * compaction) and, at open only, abandoned temp files (a CURRENT being replaced). A removed
 * table an iterator still pins stays readable through its open descriptor (POSIX keeps the
 * inode). Synchronous.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { parseFileName, type VersionState } from "@writepath/version"
import { fsCall } from "./DbFolder.ts"

/** `keepFrom`: tables numbered at or above it may be a running job's output (pending outputs). */
export const deleteObsoleteTables = (dir: string, state: VersionState, keepFrom: number, atOpen: boolean): void => {
  const live = new Set(state.files.flatMap((l) => l.map((f) => f.number)))
  for (const name of fsCall("list files in", dir, () => fs.readdirSync(dir))) {
    const f = parseFileName(name)
    if (f === undefined) continue
    const obsolete = (f.type === "table" && !live.has(f.number) && f.number < keepFrom) || (atOpen && f.type === "temp")
    if (obsolete) fsCall("delete obsolete file", path.join(dir, name), () => fs.rmSync(path.join(dir, name), { force: true }))
  }
}
