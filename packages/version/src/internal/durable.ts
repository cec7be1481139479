/**
 * Small durable-file helpers on node:fs (Node, Bun and Deno): fsync of a folder, and writing a
 * whole file with fsync. Errors become @writepath/wal's IOError.
 */
import * as fs from "node:fs"
import { ioErrorFrom } from "@writepath/wal"

/**
 * fsync of a folder, so that names created, renamed or removed in it survive a crash
 * (LevelDB's `SyncDirIfManifest`, RocksDB's `FsyncWithDirOptions`). File systems that cannot
 * sync a folder (EINVAL, EISDIR: some platforms) are skipped, as RocksDB does.
 */
export const syncDir = (dir: string): void => {
  let fd: number
  try {
    fd = fs.openSync(dir, "r")
  } catch (e) {
    throw ioErrorFrom("open folder for fsync", dir, e)
  }
  try {
    fs.fsyncSync(fd)
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM") throw ioErrorFrom("fsync folder", dir, e)
  } finally {
    fs.closeSync(fd)
  }
}

/** Creates/truncates `path`, writes `data`, fsyncs and closes it. */
export const writeFileSynced = (path: string, data: Uint8Array): void => {
  let fd: number
  try {
    fd = fs.openSync(path, "w", 0o644)
  } catch (e) {
    throw ioErrorFrom("create", path, e)
  }
  try {
    let off = 0
    while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off, off)
    fs.fsyncSync(fd)
  } catch (e) {
    throw ioErrorFrom("write", path, e)
  } finally {
    fs.closeSync(fd)
  }
}
