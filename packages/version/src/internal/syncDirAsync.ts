/**
 * fsync of a folder without blocking the event loop (the threadpool runs it): `syncDir` of
 * durable.ts, for long background jobs. Same rules: EINVAL, EISDIR and EPERM (file systems that
 * cannot sync a folder) are skipped, as RocksDB does; other failures are @writepath/wal's IOError.
 */
import * as fs from "node:fs"
import { ioErrorFrom } from "@writepath/wal"

export const syncDirAsync = async (dir: string): Promise<void> => {
  let fh: fs.promises.FileHandle
  try {
    fh = await fs.promises.open(dir, "r")
  } catch (e) {
    throw ioErrorFrom("open folder for fsync", dir, e)
  }
  try {
    await fh.sync()
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM") throw ioErrorFrom("fsync folder", dir, e)
  } finally {
    await fh.close().catch(() => undefined)
  }
}
