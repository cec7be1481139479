/**
 * The table half of `DeleteObsoleteFiles`: removes table files the MANIFEST does not list (a
 * flush or compaction that crashed before its MANIFEST record, or the inputs of a finished
 * compaction) and, at open only, abandoned temp files (a CURRENT being replaced). A removed
 * table an iterator still pins stays readable through its open descriptor (POSIX keeps the
 * inode). YIELDS: the unlinks run on the thread pool (unlinking a table of tens of MiB took
 * ~40 ms of event-loop time when done synchronously, measured with `pnpm bench:flush`).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { parseFileName, type VersionState } from "@writepath/version"
import { fsCall, toIOError } from "./DbFolder.ts"

/** `keepFrom`: tables numbered at or above it may be a running job's output (pending outputs). */
export const deleteObsoleteTables = async (dir: string, state: VersionState, keepFrom: number, atOpen: boolean): Promise<void> => {
  const live = new Set(state.files.flatMap((l) => l.map((f) => f.number)))
  const doomed: string[] = []
  for (const name of fsCall("list files in", dir, () => fs.readdirSync(dir))) {
    const f = parseFileName(name)
    if (f === undefined) continue
    const obsolete = (f.type === "table" && !live.has(f.number) && f.number < keepFrom) || (atOpen && f.type === "temp")
    if (obsolete) doomed.push(path.join(dir, name))
  }
  await Promise.all(
    doomed.map((p) =>
      fs.promises.rm(p, { force: true }).catch((e: unknown) => {
        throw toIOError("delete obsolete file", p, e)
      }),
    ),
  ) // YIELD
}
