/**
 * Parallel memtable writers across threads (LaunchParallelMemTableWriters,
 * SetMemWritersEachStride, CompleteParallelMemTableWriter, ExitAsBatchGroupFollower). The
 * group's `running` count and first error live in the leader's slot (G_RUNNING, G_STATUS),
 * so the last finisher, on whatever thread, can exit the group for the leader.
 * The protocol is described in ../../SharedWriteThread.ts.
 */
import { STATE_COMPLETED, STATE_PARALLEL_MEMTABLE_CALLER, STATE_PARALLEL_MEMTABLE_WRITER } from "../../WriterState.ts"
import { invariant } from "../assert.ts"
import { MIN_PARALLEL_SIZE } from "../constants.ts"
import { G_RUNNING, G_STATUS, NONE, S_GROUP, S_LINK_NEWER, slotWord } from "./layout.ts"
import { SharedGroup, type SharedGroupView } from "./sharedGroup.ts"

export class SharedParallel extends SharedGroup {
  /**
   * `LaunchParallelMemTableWriters(group)`: running = size, then wake every member as a
   * PARALLEL_MEMTABLE_WRITER (from 20 members: sqrt(n) - 1 CALLERs each wake their own
   * stride). A member whose thread died refuses the role and is counted out of `running`
   * here; the leader still holds its own count, so `running` cannot reach 0 in launch.
   */
  launchParallelMemTableWriters(group: SharedGroupView): void {
    const n = group.size
    Atomics.store(this.i32, slotWord(group.leader, G_RUNNING), n)
    if (n < MIN_PARALLEL_SIZE) {
      this.forEachMember(group, (w) => this.wake(group.leader, w, STATE_PARALLEL_MEMTABLE_WRITER))
      return
    }
    const stride = Math.floor(Math.sqrt(n))
    let w = group.leader
    this.wake(group.leader, w, STATE_PARALLEL_MEMTABLE_WRITER)
    for (let i = 1; i < stride; i++) {
      w = this.load(w, S_LINK_NEWER)
      // A dead caller cannot wake its stride: the leader does it for it.
      if (!this.setState(w, STATE_PARALLEL_MEMTABLE_CALLER)) this.setMemWritersEachStride(w)
    }
    this.setMemWritersEachStride(this.load(w, S_LINK_NEWER))
  }

  /** Give `w` a parallel role; a dead member refuses and is counted out of running. */
  private wake(leader: number, w: number, state: number): void {
    if (!this.setState(w, state)) Atomics.sub(this.i32, slotWord(leader, G_RUNNING), 1)
  }

  /** `SetMemWritersEachStride(w)`: wake w and every stride-th member after it (a CALLER runs it on itself). */
  setMemWritersEachStride(w: number): void {
    const leader = this.load(w, S_GROUP)
    const group = this.groupOf(leader)
    const stride = Math.floor(Math.sqrt(group.size))
    let count = 0
    for (let x = w; x !== NONE; x = x === group.lastWriter ? NONE : this.load(x, S_LINK_NEWER)) {
      if (count++ % stride === 0) this.wake(leader, x, STATE_PARALLEL_MEMTABLE_WRITER)
    }
  }

  /**
   * `CompleteParallelMemTableWriter(w)`: `w` finished its insert with `status` (0 = OK; the
   * first error becomes the group's). The last finisher gets `true` and must publish and
   * exit; every other member gets a wait for its COMPLETED state (YIELD) and `false`.
   */
  completeParallelMemTableWriter(w: number, status: number): true | Promise<false> | false {
    const leader = this.load(w, S_GROUP)
    invariant(leader !== NONE, "completeParallelMemTableWriter: writer is in no group")
    if (status !== 0) Atomics.compareExchange(this.i32, slotWord(leader, G_STATUS), 0, status)
    if (Atomics.sub(this.i32, slotWord(leader, G_RUNNING), 1) > 1) {
      const wait = this.awaitState(w, STATE_COMPLETED)
      return wait === undefined ? false : wait.then(() => false as const)
    }
    return true
  }

  /** The group's first reported error (0 = none). */
  groupStatus(leader: number): number {
    return Atomics.load(this.i32, slotWord(leader, G_STATUS))
  }

  /**
   * `ExitAsBatchGroupFollower(w)`: the last parallel finisher is not the leader, so it exits
   * the group on the leader's behalf, then completes the leader with the group's status.
   */
  exitAsBatchGroupFollower(w: number): void {
    const leader = this.load(w, S_GROUP)
    invariant(leader !== NONE && leader !== w, "exitAsBatchGroupFollower: writer is the leader or in no group")
    const status = this.groupStatus(leader)
    this.exitAsBatchGroupLeader(this.groupOf(leader), status)
    this.setState(leader, STATE_COMPLETED, status)
  }
}
