/**
 * LevelDB's file names (`db/filename.cc`), numbers in decimal zero-padded to six digits:
 *
 *   NNNNNN.log        write-ahead log            NNNNNN.ldb   table (LevelDB also reads NNNNNN.sst)
 *   MANIFEST-NNNNNN   descriptor (VersionEdits)  CURRENT      name of the live MANIFEST + "\n"
 *   NNNNNN.dbtmp      temporary file             LOCK         LevelDB's lock file
 */
import * as nodePath from "node:path"

const num = (n: number): string => String(n).padStart(6, "0")

export const tableFileName = (dir: string, number: number): string => nodePath.join(dir, `${num(number)}.ldb`)
export const sstTableFileName = (dir: string, number: number): string => nodePath.join(dir, `${num(number)}.sst`)
export const descriptorFileName = (dir: string, number: number): string => nodePath.join(dir, `MANIFEST-${num(number)}`)
export const currentFileName = (dir: string): string => nodePath.join(dir, "CURRENT")
export const lockFileName = (dir: string): string => nodePath.join(dir, "LOCK")
export const tempFileName = (dir: string, number: number): string => nodePath.join(dir, `${num(number)}.dbtmp`)

export type FileType = "log" | "table" | "descriptor" | "current" | "lock" | "temp" | "infoLog"

/** `ParseFileName` on a base name: its type and number (0 for CURRENT, LOCK, LOG), or undefined. */
export const parseFileName = (name: string): { readonly type: FileType; readonly number: number } | undefined => {
  if (name === "CURRENT") return { type: "current", number: 0 }
  if (name === "LOCK") return { type: "lock", number: 0 }
  if (name === "LOG" || name === "LOG.old") return { type: "infoLog", number: 0 }
  const m = /^MANIFEST-(\d+)$/.exec(name) ?? /^(\d+)\.(log|ldb|sst|dbtmp)$/.exec(name)
  if (!m) return undefined
  const number = Number(m[1])
  if (!Number.isSafeInteger(number)) return undefined
  const ext = m[2]
  const type: FileType = ext === undefined ? "descriptor" : ext === "log" ? "log" : ext === "dbtmp" ? "temp" : "table"
  return { type, number }
}
