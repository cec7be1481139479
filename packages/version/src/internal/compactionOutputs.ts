/**
 * The output side of a compaction (`DoCompactionWork`'s builder handling, `ShouldStopBefore`,
 * `FinishCompactionOutputFile`): tables NNNNNN.ldb numbered by `versions.newFileNumber()`,
 * cut only between user keys once `maxOutputFileSize` bytes are written or the output overlaps
 * more than `maxGrandparentOverlapBytes` of level + 2.
 *
 * Range tombstones: every input tombstone is written, never dropped. Output i covers the user
 * keys [cut(i-1), cut(i)) where cut(i) is the first user key of output i + 1 (open at both
 * ends of the compaction), and receives each tombstone clipped to that span. So the outputs'
 * ranges stay disjoint in internal-key order (a clipped tombstone ends at cut(i) with the
 * sentinel trailer kMaxSequenceNumber, which sorts before every real entry of cut(i)), and stay
 * inside the inputs' range (each tombstone lies inside its input file's recorded range).
 *
 * Owns: the open TableBuilder and every file created so far (deleted by `abandon`).
 * Yields: only in `cut`/`finish`, awaiting a table's fsync (through the job's LoopBudget).
 */
import * as fs from "node:fs"
import { TableBuilder, type TableBuilderOptions } from "@writepath/table"
import { tableFileName } from "../FileNames.ts"
import type { FileMetaData, NewFile } from "../VersionEdit.ts"
import type { VersionSet } from "../VersionSet.ts"
import { compareBytesN, compareInternalKeys } from "./internalKey.ts"
import type { LoopBudget } from "./loopBudget.ts"

export interface Tombstone {
  readonly begin: Uint8Array
  readonly end: Uint8Array
  readonly sequence: number
}

const cmp = (a: Uint8Array, b: Uint8Array): number => compareBytesN(a, a.length, b, b.length)

/**
 * Tombstones of one sequence that overlap or touch merged into one (same meaning: a key is
 * deleted at s by either). Sorted by sequence, then begin; empty ranges removed.
 */
export const coalesceTombstones = (ts: ReadonlyArray<Tombstone>): Tombstone[] => {
  const sorted = ts.filter((t) => cmp(t.begin, t.end) < 0).sort((a, b) => a.sequence - b.sequence || cmp(a.begin, b.begin))
  const out: Tombstone[] = []
  for (const t of sorted) {
    const last = out[out.length - 1]
    if (last && last.sequence === t.sequence && cmp(t.begin, last.end) <= 0) {
      if (cmp(t.end, last.end) > 0) out[out.length - 1] = { ...last, end: t.end }
    } else out.push(t)
  }
  return out
}

export interface OutputsConfig {
  readonly versions: VersionSet
  readonly outputLevel: number
  readonly maxOutputFileSize: number
  readonly maxGrandparentOverlapBytes: number
  readonly grandparents: ReadonlyArray<FileMetaData>
  readonly tombstones: ReadonlyArray<Tombstone>
  readonly table: TableBuilderOptions
  readonly budget: LoopBudget
}

export class CompactionOutputs {
  readonly files: NewFile[] = []
  bytesWritten = 0
  entriesWritten = 0
  tombstonesWritten = 0
  private readonly c: OutputsConfig
  private builder: TableBuilder | undefined
  private builderNumber = 0
  /** First user key of the current output's span; undefined for the first output (open). */
  private lower: Uint8Array | undefined
  private readonly created: string[] = []
  private grandparentIndex = 0
  private overlappedBytes = 0
  private seenKey = false

  constructor(config: OutputsConfig) {
    this.c = config
  }

  /**
   * Called with the first entry written for each user key: whether the current output should
   * end before it (`ShouldStopBefore` plus the size cut). Advances the grandparent cursor.
   */
  shouldCutBefore(internalKey: Uint8Array): boolean {
    const gp = this.c.grandparents
    while (this.grandparentIndex < gp.length && compareInternalKeys(internalKey, gp[this.grandparentIndex]!.largest) > 0) {
      if (this.seenKey) this.overlappedBytes += gp[this.grandparentIndex]!.fileSize
      this.grandparentIndex++
    }
    this.seenKey = true
    if (!this.builder) return false
    return this.builder.fileSize >= this.c.maxOutputFileSize || this.overlappedBytes > this.c.maxGrandparentOverlapBytes
  }

  /** Ends the current output; the next one starts at `nextUserKey` (the caller adds it next). */
  async cut(nextUserKey: Uint8Array): Promise<void> {
    await this.finishCurrent(nextUserKey.slice())
    this.overlappedBytes = 0
  }

  /** `Add` to the current output, opening one if needed. REQUIRES: internal-key order. */
  add(internalKey: Uint8Array, value: Uint8Array): void {
    this.builder ??= this.open()
    this.builder.add(internalKey, value)
    this.entriesWritten++
  }

  /** Ends the last output (or writes one holding only tombstones, when every entry was dropped). */
  async finish(): Promise<void> {
    if (!this.builder && this.files.length === 0 && this.c.tombstones.length > 0) this.builder = this.open()
    if (this.builder) await this.finishCurrent(undefined)
  }

  /** Closes the open builder and deletes every output file created. Idempotent. */
  abandon(): void {
    this.builder?.abandon()
    this.builder = undefined
    for (const p of this.created) {
      try {
        fs.unlinkSync(p)
      } catch {
        // never created or already gone
      }
    }
  }

  private open(): TableBuilder {
    this.builderNumber = this.c.versions.newFileNumber()
    const path = tableFileName(this.c.versions.dir, this.builderNumber)
    this.created.push(path)
    return TableBuilder.create(path, this.c.table)
  }

  private async finishCurrent(upper: Uint8Array | undefined): Promise<void> {
    const b = this.builder!
    for (const t of this.c.tombstones) {
      const begin = this.lower !== undefined && cmp(t.begin, this.lower) < 0 ? this.lower : t.begin
      const end = upper !== undefined && cmp(upper, t.end) < 0 ? upper : t.end
      if (cmp(begin, end) >= 0) continue
      b.addRangeTombstone(begin, end, t.sequence)
      this.tombstonesWritten++
    }
    this.builder = undefined
    const props = await this.c.budget.around(b.finish())
    this.files.push({
      level: this.c.outputLevel,
      number: this.builderNumber,
      fileSize: props.fileSize,
      smallest: props.smallest,
      largest: props.largest,
    })
    this.bytesWritten += props.fileSize
    this.lower = upper
  }
}
