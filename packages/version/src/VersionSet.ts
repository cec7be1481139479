/**
 * VersionSet: the MANIFEST of a LevelDB folder (`db/version_set.cc`, the parts flush needs):
 * recovery from CURRENT + MANIFEST, file-number allocation, and `logAndApply` appending
 * VersionEdit records through @writepath/wal's LogWriter (the MANIFEST is a log-format file).
 *
 * Owns: the current VersionState, the open MANIFEST's LogWriter, and a promise chain that
 * serializes `logAndApply`.
 * Invariants:
 *  1. `state` is what the MANIFEST on disk says after its last *synced* record: an edit is
 *     applied in memory only after its record was fsynced.
 *  2. Edits are written in call order (the chain), each one record, each followed by fsync.
 *  3. `nextFileNumber` in memory is >= every number handed out by `newFileNumber()`; every
 *     record carries the current next-file number and last sequence (as LevelDB), so a
 *     recovered set never hands out a number already on disk.
 *  4. CURRENT names a MANIFEST only after that MANIFEST's first record was fsynced.
 *  5. After a failed write or sync the set is broken (VersionSetClosed): the MANIFEST's tail is
 *     unknown, and reopening recovers from what is durable.
 * Yields: inside `logAndApply` (awaiting fsync) and `create`/`open`; `newFileNumber`,
 * `markFileNumberUsed`, `state` are synchronous.
 */
import * as fs from "node:fs"
import { bytesSource, type IOError, ioErrorFrom, LogReader, LogWriter, makeNode, WalRecoveryMode } from "@writepath/wal"
import { Context, Effect, Layer, type Scope } from "effect"
import { readCurrentFile, setCurrentFile } from "./Current.ts"
import { descriptorFileName } from "./FileNames.ts"
import { applyEdit, emptyState, kBytewiseComparator, snapshotEdit, type VersionState } from "./internal/applyEdit.ts"
import { decodeVersionEdit, encodeVersionEdit, type VersionEdit } from "./VersionEdit.ts"
import { VersionCorruption, VersionInvalidArgument, VersionSetClosed } from "./VersionError.ts"

export { kBytewiseComparator, type VersionState }

/** A recovered MANIFEST: the state plus which MANIFEST file it came from. */
export interface RecoveredVersionSet extends VersionState {
  readonly manifestNumber: number
  readonly manifestPath: string
  /** Bytes of the MANIFEST as read. */
  readonly manifestSize: number
}

/**
 * `VersionSet::Recover`: reads CURRENT, replays its MANIFEST and returns the comparator, log
 * numbers, next file number, last sequence and live files per level. Synchronous. Throws
 * VersionCorruption (bad CURRENT, unreadable record, bad edit, comparator mismatch, missing
 * counters) or IOError.
 */
export const recoverVersionSet = (dir: string): RecoveredVersionSet => replayManifest(dir)

/**
 * `recoverVersionSet` that also hands each decoded edit (with its record offset) to `onEdit`,
 * in file order, before applying it: the edits and the state come from one read of the file
 * (a live database may append to its MANIFEST or switch to a new one between two reads).
 */
export const replayManifest = (dir: string, onEdit?: (offset: number, edit: VersionEdit) => void): RecoveredVersionSet => {
  const manifestPath = readCurrentFile(dir)
  let bytes: Uint8Array
  try {
    bytes = fs.readFileSync(manifestPath)
  } catch (e) {
    throw ioErrorFrom("read", manifestPath, e)
  }
  const problems: string[] = []
  const reader = new LogReader(bytesSource(bytes), {
    recoveryMode: WalRecoveryMode.kAbsoluteConsistency,
    reporter: (d) => {
      if (d.reported) problems.push(`${d.reason} at offset ${d.offset}`)
    },
  })
  let state: VersionState = emptyState()
  let haveLog = false
  let haveNext = false
  let haveLast = false
  for (let r = reader.readRecord(); r !== undefined; r = reader.readRecord()) {
    if (problems.length > 0) break
    const edit = decodeVersionEdit(r.data)
    if (typeof edit === "string") throw new VersionCorruption({ path: manifestPath, reason: `${edit} (record at offset ${r.offset})` })
    if (edit.comparator !== undefined && edit.comparator !== kBytewiseComparator) {
      throw new VersionCorruption({
        path: manifestPath,
        reason: `${edit.comparator} does not match existing comparator ${kBytewiseComparator}`,
      })
    }
    onEdit?.(r.offset, edit)
    const next = applyEdit(state, edit, false)
    if (typeof next === "string") throw new VersionCorruption({ path: manifestPath, reason: next })
    state = next
    haveLog ||= edit.logNumber !== undefined
    haveNext ||= edit.nextFileNumber !== undefined
    haveLast ||= edit.lastSequence !== undefined
  }
  if (problems.length > 0) throw new VersionCorruption({ path: manifestPath, reason: problems[0]! })
  if (!haveNext) throw new VersionCorruption({ path: manifestPath, reason: "no meta-nextfile entry in descriptor" })
  if (!haveLog) throw new VersionCorruption({ path: manifestPath, reason: "no meta-lognumber entry in descriptor" })
  if (!haveLast) throw new VersionCorruption({ path: manifestPath, reason: "no last-sequence-number entry in descriptor" })
  const manifestNumber = Number(/MANIFEST-(\d+)$/.exec(manifestPath)![1])
  return { ...state, manifestNumber, manifestPath, manifestSize: bytes.length }
}

export class VersionSet {
  readonly dir: string
  private current: VersionState
  private manifest: LogWriter
  private manifestNo: number
  private chain: Promise<void> = Promise.resolve()
  private broken: VersionSetClosed | undefined

  private constructor(dir: string, state: VersionState, manifest: LogWriter, manifestNumber: number) {
    this.dir = dir
    this.current = state
    this.manifest = manifest
    this.manifestNo = manifestNumber
  }

  /**
   * `NewDB`: creates `dir` if needed and a fresh MANIFEST-000001 (comparator
   * leveldb.BytewiseComparator, log number 0, next file 2, last sequence 0), then CURRENT.
   * REQUIRES: `dir` holds no CURRENT (VersionInvalidArgument otherwise).
   */
  static async create(dir: string): Promise<VersionSet> {
    fs.mkdirSync(dir, { recursive: true })
    if (fs.existsSync(`${dir}/CURRENT`)) throw new VersionInvalidArgument({ reason: `${dir} already holds a database (CURRENT exists)` })
    return VersionSet.startManifest(dir, emptyState(), 1)
  }

  /**
   * Recovers `dir` and, like LevelDB without `reuse_logs`, continues in a new MANIFEST (a
   * snapshot record of the recovered state) that CURRENT then names; the old MANIFEST is deleted.
   */
  static async open(dir: string): Promise<VersionSet> {
    const r = recoverVersionSet(dir)
    const manifestNumber = r.nextFileNumber
    const state: VersionState = { ...r, nextFileNumber: r.nextFileNumber + 1 }
    const vs = await VersionSet.startManifest(dir, state, manifestNumber)
    try {
      fs.unlinkSync(r.manifestPath)
    } catch {
      // an obsolete MANIFEST left behind is harmless
    }
    return vs
  }

  /** Opens `dir` if it holds a CURRENT, else creates it. */
  static async openOrCreate(dir: string): Promise<VersionSet> {
    return fs.existsSync(`${dir}/CURRENT`) ? VersionSet.open(dir) : VersionSet.create(dir)
  }

  private static async startManifest(dir: string, state: VersionState, manifestNumber: number): Promise<VersionSet> {
    const path = descriptorFileName(dir, manifestNumber)
    const writer = new LogWriter(makeNode({ syncOn: "threadpool" }).openWritable(path), { logNumber: manifestNumber, useFsync: true })
    try {
      writer.addRecord(encodeVersionEdit(snapshotEdit(state)))
      await writer.sync()
      setCurrentFile(dir, manifestNumber)
    } catch (e) {
      await writer.close().catch(() => undefined)
      throw e
    }
    return new VersionSet(dir, state, writer, manifestNumber)
  }

  /** The state as of the last synced edit. */
  get state(): VersionState {
    return this.current
  }

  get manifestNumber(): number {
    return this.manifestNo
  }

  /** `NewFileNumber`: a number no file in this folder has used (recorded with the next edit). */
  newFileNumber(): number {
    const n = this.current.nextFileNumber
    this.current = { ...this.current, nextFileNumber: n + 1 }
    return n
  }

  /** `MarkFileNumberUsed`: numbers up to `n` are taken (e.g. WALs found at open). */
  markFileNumberUsed(n: number): void {
    if (this.current.nextFileNumber <= n) this.current = { ...this.current, nextFileNumber: n + 1 }
  }

  /**
   * `LogAndApply`: appends `edit` (completed with the current next-file number, the larger of
   * its and the current last sequence, and the current log numbers where it has none) as one
   * MANIFEST record, fsyncs the MANIFEST, then applies it. Edits are serialized.
   * Rejects with VersionInvalidArgument (log number going backwards or not yet allocated, a
   * file added twice), IOError or VersionSetClosed.
   */
  logAndApply(edit: VersionEdit): Promise<VersionState> {
    const run = this.chain.then(() => this.applyNow(edit))
    this.chain = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  /** `logAndApply` as an Effect. */
  logAndApplyEffect(edit: VersionEdit): Effect.Effect<VersionState, VersionInvalidArgument | IOError | VersionSetClosed> {
    return Effect.tryPromise({ try: () => this.logAndApply(edit), catch: (e) => e as VersionInvalidArgument | IOError | VersionSetClosed })
  }

  /** Waits for pending edits and closes the MANIFEST. Idempotent. */
  async close(): Promise<void> {
    await this.chain
    if (!this.broken) this.broken = new VersionSetClosed({ path: this.dir, reason: "the version set is closed" })
    await this.manifest.close().catch(() => undefined)
  }

  private async applyNow(edit: VersionEdit): Promise<VersionState> {
    if (this.broken) throw this.broken
    const s = this.current
    const logNumber = edit.logNumber ?? s.logNumber
    if (logNumber < s.logNumber || logNumber >= s.nextFileNumber) {
      throw new VersionInvalidArgument({
        reason: `log number ${logNumber} must be in [${s.logNumber}, ${s.nextFileNumber}) (allocate it with newFileNumber first)`,
      })
    }
    const full: VersionEdit = {
      ...edit,
      logNumber,
      prevLogNumber: edit.prevLogNumber ?? s.prevLogNumber,
      nextFileNumber: s.nextFileNumber,
      lastSequence: Math.max(edit.lastSequence ?? 0, s.lastSequence),
    }
    const next = applyEdit(s, full, true)
    if (typeof next === "string") throw new VersionInvalidArgument({ reason: next })
    try {
      this.manifest.addRecord(encodeVersionEdit(full))
      await this.manifest.sync()
    } catch (e) {
      this.broken = new VersionSetClosed({ path: this.dir, reason: `MANIFEST write failed (${(e as Error).message}); reopen to recover` })
      throw e
    }
    // Numbers handed out while we waited stay taken.
    this.current = { ...next, nextFileNumber: Math.max(next.nextFileNumber, this.current.nextFileNumber) }
    return this.current
  }
}

/** The Effect face: a VersionSet for a folder, closed when the scope closes. */
export class Versions extends Context.Tag("@writepath/version/Versions")<Versions, VersionSet>() {
  /** Opens `dir` (creating it when it holds no database); closes it with the layer's scope. */
  static layer(dir: string): Layer.Layer<Versions, IOError | VersionCorruption | VersionInvalidArgument> {
    return Layer.scoped(Versions, openScoped(dir))
  }
}

/** `VersionSet.openOrCreate` as a scoped Effect. */
export const openScoped = (dir: string): Effect.Effect<VersionSet, IOError | VersionCorruption | VersionInvalidArgument, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({ try: () => VersionSet.openOrCreate(dir), catch: (e) => e as IOError | VersionCorruption | VersionInvalidArgument }),
    (vs) => Effect.promise(() => vs.close()),
  )
