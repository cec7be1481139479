/**
 * Keeps each closed-loop task of a run (every writer, the reader) from holding the event
 * loop. An engine whose operations complete without an event-loop turn (better-sqlite3,
 * lmdb's reads, writepath's reads and lone no-sync writes, limit-memtable) runs its
 * caller's loop entirely in microtasks; left alone, that caller would starve every task
 * that needs a turn: a writer whose write waits for a macrotask (writepath's leaders
 * yield once with setImmediate before forming a group), other engines' I/O callbacks, a
 * sync writer's fdatasync completion, the progress bar.
 *
 * One guard per task, never shared. A shared guard let one task's slice be charged to
 * another: the first task to ask after the slice ran out had to yield even if it had only
 * just resumed, so the reader's slices made a writer yield (and with it, split the
 * engine's write groups), or the other way round.
 *
 * A guard measures how long its own task has gone without seeing a turn: it arms the first
 * time it is asked after a turn (see `currentTurn`). A task whose operations need a turn (a grouped write, I/O) sees one on
 * every operation and never yields, so the engine's group commit is untouched. A task that
 * has held the loop past its budget yields once to the next macrotask.
 *
 * The budget adapts so that a hog cannot starve a task that needs one turn per operation:
 * it is what the rest of the loop took while this task was away (its tasks and I/O
 * callbacks), clamped to [minSliceMillis, sliceMillis]. A reader next to a writer whose
 * every write needs a turn thus gets about as much loop time per turn as the writer and
 * the loop itself, rather than 1 ms per write; two hogs settle at `minSliceMillis` each,
 * taking turns; a hog alone, or next to tasks waiting on the disk, keeps `minSliceMillis`
 * slices, which cost it one idle loop turn (a few µs) each.
 */
import { performance } from "node:perf_hooks"

/**
 * One task's guard: call it after each operation with the current time; it returns a
 * promise to await when the task has held the loop past its budget, else undefined.
 */
export type TurnGuard = (now: number) => Promise<void> | undefined

export interface TurnGuardOptions {
  /** The longest a task may hold the loop, ms. */
  readonly sliceMillis?: number
  /** The budget never drops below this, ms, so yields stay a small share of a hog's time. */
  readonly minSliceMillis?: number
}

/**
 * Loop turns, counted by one immediate for the whole process, pending whenever a guard is
 * armed. A guard notes the count when it arms and the loop has turned once it changed.
 * Shared, not one immediate per guard: an immediate queued before a guard's last call
 * runs before any macrotask its task awaits after that call (the queue is FIFO), so a task
 * whose operation needs a turn always finds the count moved. Per-guard immediates could
 * run after that macrotask: 64 writers arm in turn, the first one's put queues the
 * leader's immediate, and the other 63 came back in that immediate still armed, past the
 * slice, and yielded out of the next group.
 */
let turns = 0
let tickerPending = false
const tick = (): void => {
  tickerPending = false
  turns++
}
const currentTurn = (): number => {
  if (!tickerPending) {
    tickerPending = true
    setImmediate(tick)
  }
  return turns
}

export const makeTurnGuard = ({ sliceMillis = 1, minSliceMillis = 0.05 }: TurnGuardOptions = {}): TurnGuard => {
  let armedAt = -1
  let heldSince = 0
  let budget = sliceMillis
  return (now) => {
    if (armedAt !== turns) {
      armedAt = currentTurn()
      heldSince = now
      return undefined
    }
    if (now - heldSince <= budget) return undefined
    return new Promise<void>((resolve) => {
      // The ticker is pending (armed in this turn), so the task resumes after a turn; the
      // time away is what the other tasks and the loop took, which sets the next budget.
      setImmediate(() => {
        budget = Math.min(sliceMillis, Math.max(minSliceMillis, performance.now() - now))
        resolve()
      })
    })
  }
}
