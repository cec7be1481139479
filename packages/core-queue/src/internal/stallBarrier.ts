/**
 * The stall condition variable (`stall_mu_` + `stall_cv_`): writers that are not
 * `noSlowdown` and find the stall dummy at the head of the queue park here until
 * `EndWriteStall` signals all of them. One Promise per stall episode, made when the first
 * writer has to wait; `signalAll` resolves it and forgets it, so the next stall makes a
 * fresh one. Waiters re-check the head after waking, exactly like a condvar loop.
 */
export class StallCondition {
  private waiting: Promise<void> | undefined = undefined
  private release: (() => void) | undefined = undefined

  /** A Promise resolved by the next `signalAll`. */
  wait(): Promise<void> {
    if (this.waiting === undefined) {
      this.waiting = new Promise<void>((resolve) => {
        this.release = resolve
      })
    }
    return this.waiting
  }

  signalAll(): void {
    const release = this.release
    this.waiting = undefined
    this.release = undefined
    release?.()
  }
}
