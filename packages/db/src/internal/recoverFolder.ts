/**
 * The folder half of `DB::Open`: checks the folder against createIfMissing/errorIfExists,
 * takes the LOCK, writes IDENTITY, recovers (or creates) the MANIFEST, opens the live
 * tables, replays the WALs it does not cover and starts a new WAL. What it returns is owned
 * by the caller (close it all on failure); on its own failure it releases everything it
 * took. YIELDS while the MANIFEST is written and fsynced.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { SequencerImpl } from "@writepath/core-queue"
import type { EngineOptions } from "@writepath/strategies"
import { VersionSet } from "@writepath/version"
import type { LogFileService } from "@writepath/wal"
import { DatabaseExists, DatabaseNotFound } from "../DbError.ts"
import { createFolders, fsCall, missingFolders } from "./DbFolder.ts"
import { acquireLock, type HeldLock } from "./LockFile.ts"
import { type RecoveredWals, recoverWals } from "./recoverWals.ts"
import { TableSet } from "./TableSet.ts"
import { listLogNumbers, type SyncDir, WalSet } from "./WalSet.ts"

const IDENTITY = "IDENTITY"

export interface RecoveredFolder {
  readonly dir: string
  readonly lock: HeldLock
  readonly versionSet: VersionSet
  readonly tables: TableSet
  readonly wals: WalSet
  readonly wal: RecoveredWals
  readonly versions: SequencerImpl
}

export const recoverFolder = async (options: EngineOptions, files: LogFileService, syncDir: SyncDir): Promise<RecoveredFolder> => {
  const dir = path.resolve(options.path)
  const missing = missingFolders(dir) // IOError ENOTDIR when a file is in the way
  // A database is a folder with IDENTITY (ours) or CURRENT (LevelDB's, or ours before IDENTITY was written).
  const has = (name: string): boolean => fsCall("open database", dir, () => fs.existsSync(path.join(dir, name)))
  const exists = missing.length === 0 && (has(IDENTITY) || has("CURRENT"))
  if (exists && options.errorIfExists) throw new DatabaseExists({ path: dir })
  if (!exists && !options.createIfMissing) throw new DatabaseNotFound({ path: dir })
  createFolders(missing)
  const lock = acquireLock(dir)
  let versionSet: VersionSet | undefined
  const tables = new TableSet(dir)
  try {
    if (!has(IDENTITY)) {
      fsCall("create IDENTITY in", dir, () => {
        fs.writeFileSync(path.join(dir, IDENTITY), `${crypto.randomUUID()}\n`)
        syncDir(dir)
      })
    }
    versionSet = await VersionSet.openOrCreate(dir) // YIELD
    const vs = versionSet
    const logs = fsCall("list WAL files in", dir, () => listLogNumbers(dir))
    for (const n of logs) vs.markFileNumberUsed(n)
    tables.install(vs.state)
    const wal = recoverWals(options, dir, files, logs, vs.state.logNumber, vs.state.lastSequence + 1)
    const newLog = vs.newFileNumber()
    const wals = WalSet.create(
      dir,
      files,
      {
        manualWalFlush: options.manualWalFlush,
        walBytesPerSync: options.walBytesPerSync,
        useFsync: options.useFsync,
        recycleLogFileNum: options.recycleLogFileNum,
      },
      newLog,
      logs,
      syncDir,
    )
    // The recovered mutable memtable's WALs all precede the new one.
    wal.logNumberAfter.set(wal.memtables.mutable, newLog)
    return { dir, lock, versionSet: vs, tables, wals, wal, versions: new SequencerImpl(wal.lastSequence) }
  } catch (e) {
    tables.closeAll()
    await versionSet?.close()
    lock.release()
    throw e
  }
}
