/**
 * `inspectFolder`: what a database folder holds, without opening the database. Works on
 * folders written by writepath (with or without a MANIFEST: one written before the engine
 * kept a MANIFEST has only WALs and IDENTITY) and by LevelDB.
 *
 * Never writes: it does not take the LOCK (so it can look at a folder a live process holds;
 * the report is then a snapshot that may be a moment stale), opens every file read-only and
 * creates nothing. Order of the reads: one folder listing, then CURRENT + MANIFEST, then the
 * files they name, then the WALs; a file created after the listing is not reported.
 *
 * Synchronous (node:fs sync calls throughout). Throws InspectFolderMissing,
 * InspectNotAFolder, InspectNotADatabase, InspectCorruption (CURRENT or MANIFEST), IOError
 * (the folder, CURRENT, MANIFEST or IDENTITY unreadable). Problems of single tables and WALs
 * are entries of the report.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { kNumLevels } from "@writepath/version"
import { IOError, logFileName } from "@writepath/wal"
import { InspectNotADatabase } from "./InspectError.ts"
import type { InspectReport, OrphanReport } from "./InspectReport.ts"
import { inspectTables } from "./inspectTables.ts"
import { inspectWal } from "./inspectWal.ts"
import { listFolder } from "./listFolder.ts"
import { type ManifestContents, readManifest } from "./readManifest.ts"

export interface InspectOptions {
  /** Include every MANIFEST edit (`manifest.edits`). Default false. */
  readonly verbose?: boolean
}

const readIdentity = (dir: string): string => {
  const file = path.join(dir, "IDENTITY")
  try {
    return fs.readFileSync(file, "utf8").replace(/\n$/, "")
  } catch (e) {
    throw new IOError({ operation: "read", path: file, code: (e as NodeJS.ErrnoException).code ?? "unknown", cause: e })
  }
}

export const inspectFolder = (folder: string, options: InspectOptions = {}): InspectReport => {
  const listing = listFolder(folder)
  const { dir } = listing
  if (!listing.hasCurrent && listing.logs.length === 0 && !listing.hasIdentity) throw new InspectNotADatabase({ path: dir })
  const manifest: ManifestContents | undefined = listing.hasCurrent ? readManifest(dir, options.verbose ?? false) : undefined
  const levels = inspectTables(listing, manifest?.files ?? Array.from({ length: kNumLevels }, () => []))
  const live = new Set(levels.flatMap((l) => l.files.map((f) => f.number)))
  const m = manifest?.report
  const wals = listing.logs.map((n) => {
    // LevelDB keeps logs >= log number and the prev log (a memtable being compacted when the
    // log was switched, by LevelDB versions that still wrote it); recovery skips the rest.
    const obsolete = m !== undefined && n < m.logNumber && n !== m.prevLogNumber
    return inspectWal(dir, n, listing.sizes.get(path.basename(logFileName(dir, n))) ?? 0, obsolete)
  })
  const size = (name: string): number => listing.sizes.get(name) ?? 0
  const orphans: OrphanReport[] = [
    ...[...listing.tables].filter(([n]) => !live.has(n)).map(([, name]): OrphanReport => ({ name, kind: "table", size: size(name) })),
    ...listing.temps.map((name): OrphanReport => ({ name, kind: "temp", size: size(name) })),
    ...listing.manifests.filter((name) => name !== m?.name).map((name): OrphanReport => ({ name, kind: "manifest", size: size(name) })),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const files = levels.flatMap((l) => l.files)
  return {
    folder: dir,
    identity: listing.hasIdentity ? readIdentity(dir) : null,
    lockPresent: listing.hasLock,
    current: m?.name ?? null,
    manifest: m ?? null,
    levels,
    totals: {
      files: files.length,
      bytes: files.reduce((n, f) => n + f.size, 0),
      entries: files.reduce<number | null>((n, f) => (n === null || f.entries === null ? null : n + f.entries), 0),
    },
    wals,
    orphans,
  }
}
