/**
 * LevelSnapshot: abstract-level's explicit snapshot (`db.snapshot()`) over a writepath
 * Snapshot. Owns the writepath snapshot; abstract-level counts its users (`ref`/`unref`)
 * and calls `_close` once the last one is done, which releases it. Synchronous.
 */
import type { Snapshot } from "@writepath/db"
import { AbstractSnapshot } from "abstract-level"

/**
 * abstract-level 3.1's typings declare a constructor without arguments, but its runtime needs
 * the options `db.snapshot()` hands `_snapshot` (they name the owning database).
 */
const SnapshotBase = AbstractSnapshot as unknown as new (options: unknown) => AbstractSnapshot

export class LevelSnapshot extends SnapshotBase {
  /** The engine's snapshot: reads through this one use its sequence. */
  readonly inner: Snapshot

  constructor(inner: Snapshot, options: unknown) {
    super(options)
    this.inner = inner
  }

  async _close(): Promise<void> {
    this.inner.release()
  }
}
