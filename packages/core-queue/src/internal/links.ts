/**
 * Queue primitives that need no WriteThread state (WRITE-PATH.md 1.3). All synchronous:
 * each runs inside the caller's critical section.
 */

import type { WriteGroup } from "../WriteGroup.ts"
import type { Writer } from "../Writer.ts"
import { STATE_COMPLETED } from "../WriterState.ts"
import { invariant } from "./assert.ts"
import { setState } from "./wait.ts"

/** One of the two intrusive stacks (`std::atomic<Writer*> newest_writer_`). */
export class QueueHead {
  newest: Writer | undefined = undefined
}

/**
 * `LinkGroup`: push a whole group onto `head` in one step (pipelined: WAL group -> memtable
 * queue). Clears `linkNewer` and `writeGroup` on every member first, so the next
 * `createMissingNewerLinks` rebuilds every newer link. Returns true if the queue was empty:
 * the group's leader now owns that queue.
 */
export const linkGroup = (group: WriteGroup, head: QueueHead): boolean => {
  const leader = group.leader!
  let w = group.lastWriter!
  for (;;) {
    w.linkNewer = undefined
    w.writeGroup = undefined
    if (w === leader) break
    w = w.linkOlder!
  }
  const newest = head.newest
  leader.linkOlder = newest
  head.newest = group.lastWriter
  return newest === undefined
}

/**
 * `CreateMissingNewerLinks(head)`: fill `linkNewer` walking older from `head`, stopping at
 * the first node that already has one (everything older was linked by an earlier call).
 * Only a queue's owner calls it.
 */
export const createMissingNewerLinks = (newest: Writer | undefined): void => {
  if (newest === undefined) return
  let head: Writer = newest
  for (;;) {
    const next: Writer | undefined = head.linkOlder
    if (next === undefined || next.linkNewer !== undefined) {
      invariant(next === undefined || next.linkNewer === head, "createMissingNewerLinks: a newer link points elsewhere")
      return
    }
    next.linkNewer = head
    head = next
  }
}

/** `CompleteLeader` (pipelined): drop the leader from its group and complete it. */
export const completeLeader = (group: WriteGroup): void => {
  invariant(group.size > 0, "completeLeader on an empty group")
  const leader = group.leader!
  if (group.size === 1) {
    group.leader = undefined
    group.lastWriter = undefined
  } else {
    const next = leader.linkNewer!
    next.linkOlder = undefined
    group.leader = next
  }
  group.size -= 1
  setState(leader, STATE_COMPLETED)
}

/** `CompleteFollower` (pipelined): unlink a non-leader member from its group and complete it. */
export const completeFollower = (w: Writer, group: WriteGroup): void => {
  invariant(group.size > 1 && w !== group.leader, "completeFollower on the leader")
  if (w === group.lastWriter) {
    w.linkOlder!.linkNewer = undefined
    group.lastWriter = w.linkOlder
  } else {
    w.linkOlder!.linkNewer = w.linkNewer
    w.linkNewer!.linkOlder = w.linkOlder
  }
  group.size -= 1
  setState(w, STATE_COMPLETED)
}
