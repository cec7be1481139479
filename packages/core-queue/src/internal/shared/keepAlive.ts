/**
 * A pending `Atomics.waitAsync` does not keep the event loop alive (node exits with code
 * 13, a Deno worker ends with "Top-level await promise never resolved"): a worker whose
 * only pending work is writers parked on the queue would simply end. While any async
 * park is pending on this thread, one ref'd interval keeps the loop alive; it never fires
 * usefully and is cleared when the last park resolves.
 *
 * Owns: the per-thread count of pending parks and the interval handle.
 * Invariant: handle !== undefined exactly while pending > 0.
 */
let pending = 0
let handle: ReturnType<typeof setInterval> | undefined

const noop = (): void => {}

export const holdEventLoop = (): void => {
  if (pending++ === 0) handle = setInterval(noop, 0x7fffffff)
}

export const releaseEventLoop = (): void => {
  if (--pending === 0 && handle !== undefined) {
    clearInterval(handle)
    handle = undefined
  }
}
