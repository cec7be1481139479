/**
 * CURRENT: the name of the live MANIFEST followed by "\n" (`SetCurrentFile`, `db/filename.cc`).
 *
 * Replaced atomically: write "MANIFEST-NNNNNN\n" to NNNNNN.dbtmp, fsync it, rename it over
 * CURRENT, fsync the folder. A crash leaves either the old CURRENT or the new one, never a
 * torn file; a leftover .dbtmp is garbage that the next open may delete.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { ioErrorFrom } from "@writepath/wal"
import { currentFileName, tempFileName } from "./FileNames.ts"
import { syncDir, writeFileSynced } from "./internal/durable.ts"
import { VersionCorruption } from "./VersionError.ts"

/** Points CURRENT at MANIFEST-`manifestNumber`, durably. Throws IOError. */
export const setCurrentFile = (dir: string, manifestNumber: number): void => {
  const contents = `MANIFEST-${String(manifestNumber).padStart(6, "0")}\n`
  const tmp = tempFileName(dir, manifestNumber)
  writeFileSynced(tmp, new TextEncoder().encode(contents))
  try {
    fs.renameSync(tmp, currentFileName(dir))
  } catch (e) {
    try {
      fs.unlinkSync(tmp)
    } catch {
      // best effort
    }
    throw ioErrorFrom("rename", currentFileName(dir), e)
  }
  syncDir(dir)
}

/** The path of the MANIFEST CURRENT names. Throws VersionCorruption (no newline, bad name) or IOError (missing). */
export const readCurrentFile = (dir: string): string => {
  const path = currentFileName(dir)
  let text: string
  try {
    text = fs.readFileSync(path, "utf8")
  } catch (e) {
    throw ioErrorFrom("read", path, e)
  }
  if (text.length === 0 || !text.endsWith("\n")) throw new VersionCorruption({ path, reason: "CURRENT file does not end with newline" })
  const name = text.slice(0, -1)
  if (!/^MANIFEST-\d+$/.test(name)) throw new VersionCorruption({ path, reason: `CURRENT names no MANIFEST: ${JSON.stringify(name)}` })
  return nodePath.join(dir, name)
}
