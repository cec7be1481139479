/**
 * The database folder before the LOCK is taken: is the path usable, and create it.
 *
 * Why not `fs.mkdirSync(dir, { recursive: true })`: on Node 20 it loops forever when
 * mkdir fails with ENOENT under an existing parent (e.g. `/proc/x`), and on a path
 * where a file is in the way it reports a bare EEXIST/ENOTDIR that does not say which
 * component is the file. Here every failure is an `IOError` naming the path and errno.
 *
 * Synchronous throughout: nothing here yields.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { IOError } from "@writepath/wal"

const errnoOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : undefined

/** A node:fs errno error as an IOError naming `operation` and `target`; anything else unchanged. */
export const toIOError = (operation: string, target: string, e: unknown): unknown => {
  if (e instanceof IOError) return e
  const code = errnoOf(e)
  if (code === undefined) return e
  return new IOError({ operation, path: target, code, cause: e, detail: e instanceof Error ? e.message : code })
}

/** Runs a node:fs call, turning its errno error into an IOError (see toIOError). */
export const fsCall = <A>(operation: string, target: string, f: () => A): A => {
  try {
    return f()
  } catch (e) {
    throw toIOError(operation, target, e)
  }
}

/** stat, or undefined when nothing is there (ENOENT) or an ancestor is a file (ENOTDIR: found further up). */
const statOrMissing = (p: string): fs.Stats | undefined => {
  try {
    return fs.statSync(p)
  } catch (e) {
    const code = errnoOf(e)
    if (code === "ENOENT" || code === "ENOTDIR") return undefined
    throw toIOError("open database", p, e)
  }
}

/**
 * The folders of `dir` (itself and missing ancestors, outermost first) that do not exist.
 * Throws IOError ENOTDIR when `dir` or an ancestor is a file.
 */
export const missingFolders = (dir: string): string[] => {
  const missing: string[] = []
  let p = dir
  for (;;) {
    const st = statOrMissing(p)
    if (st !== undefined) {
      if (!st.isDirectory()) {
        throw new IOError({
          operation: "open database",
          path: dir,
          code: "ENOTDIR",
          detail: p === dir ? "the path is a file, not a folder" : `${p} is a file, not a folder`,
        })
      }
      break
    }
    missing.push(p)
    const parent = path.dirname(p)
    if (parent === p) break
    p = parent
  }
  return missing.reverse()
}

/** Creates `folders` (from `missingFolders`) one level at a time; a folder made meanwhile by someone else is fine. */
export const createFolders = (folders: ReadonlyArray<string>): void => {
  for (const f of folders) {
    fsCall("create database folder", f, () => {
      try {
        fs.mkdirSync(f)
      } catch (e) {
        if (errnoOf(e) !== "EEXIST" || !fs.statSync(f).isDirectory()) throw e
      }
    })
  }
}
