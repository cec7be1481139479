/** Messages between the insert pool and its workers (structured-cloneable). */
import type { MemTableHandle } from "@writepath/memtable"

export interface PoolRequest {
  readonly id: number
  /** Which memtable: a worker re-attaches when it changes (after a memtable switch). */
  readonly memId: number
  readonly handle: MemTableHandle
  /** The batches packed back to back; batch i is data[offsets[i], offsets[i+1]). */
  readonly data: Uint8Array
  readonly offsets: ReadonlyArray<number>
  readonly sequences: ReadonlyArray<number>
}

export interface PoolReply {
  readonly id: number
  /** null = inserted; otherwise the MemTableError's tag and message. */
  readonly outcomes: ReadonlyArray<{ readonly tag: string; readonly message: string } | null>
}
