import { InvalidArgument } from "./DbError.ts"

/**
 * A consistent read point: reads through it see exactly the writes published at or
 * before `sequence`. Release it when done (it pins the versions it can see); using a
 * released snapshot is an InvalidArgument. With Effect, `Db.snapshot` releases it with its scope.
 *
 * @example
 * ```ts
 * const snap = db.snapshot()
 * await db.put("k", "new")
 * await db.get("k", { snapshot: snap }) // the value before the put
 * snap.release()
 * ```
 */
export class Snapshot {
  /** The newest sequence number reads through this snapshot see. */
  readonly sequence: number
  private released = false
  private readonly onRelease: (s: Snapshot) => void

  /** @internal `db.snapshot()` makes them. */
  constructor(sequence: number, onRelease: (s: Snapshot) => void) {
    this.sequence = sequence
    this.onRelease = onRelease
  }

  /** Whether `release()` was called (or the database closed). */
  get isReleased(): boolean {
    return this.released
  }

  /** Lets the engine drop the versions only this snapshot needed. Idempotent. */
  release(): void {
    if (this.released) return
    this.released = true
    this.onRelease(this)
  }

  /** @internal */
  check(op: string): number {
    if (this.released) throw new InvalidArgument({ reason: `${op}: the snapshot at sequence ${this.sequence} was released` })
    return this.sequence
  }
}
