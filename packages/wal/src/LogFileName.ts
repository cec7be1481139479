/**
 * WAL file names (RocksDB's `LogFileName` / `ParseFileName`, `file/filename.cc`):
 * `NNNNNN.log`, the log number in decimal, zero-padded to at least six digits.
 */
import * as nodePath from "node:path"

/** `dir/000042.log`. */
export const logFileName = (dir: string, logNumber: number): string => nodePath.join(dir, `${String(logNumber).padStart(6, "0")}.log`)

/** The log number of a `NNNNNN.log` base name, or undefined for any other name. */
export const parseLogFileName = (name: string): number | undefined => {
  const m = /^(\d{6,})\.log$/.exec(name)
  if (!m) return undefined
  const n = Number(m[1])
  return Number.isSafeInteger(n) ? n : undefined
}
