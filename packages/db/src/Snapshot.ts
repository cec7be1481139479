import { InvalidArgument } from "./DbError.ts"

/**
 * A consistent read point: reads through it see exactly the writes published at or
 * before `sequence`. Release it when done (it will pin data once flush and compaction
 * exist); using a released snapshot is an InvalidArgument.
 */
export class Snapshot {
  readonly sequence: number
  private released = false
  private readonly onRelease: (s: Snapshot) => void

  /** @internal `db.snapshot()` makes them. */
  constructor(sequence: number, onRelease: (s: Snapshot) => void) {
    this.sequence = sequence
    this.onRelease = onRelease
  }

  get isReleased(): boolean {
    return this.released
  }

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
