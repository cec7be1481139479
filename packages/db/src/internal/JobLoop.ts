/**
 * JobLoop: a background loop on the event loop.
 *
 * One loop: runs `body` until it reports no work, and again if woken meanwhile. `active` is
 * cleared in the same synchronous step as the last `again` check, so a wake can never fall
 * between the loop's end and its bookkeeping (it did when the flag was cleared in a
 * `.finally` callback one microtask later: a manual compaction queued then never ran).
 */
export class JobLoop {
  private active = false
  private running: Promise<void> = Promise.resolve()
  private again = false
  private readonly body: () => Promise<boolean>
  private readonly fail: (e: unknown) => void

  constructor(body: () => Promise<boolean>, fail: (e: unknown) => void) {
    this.body = body
    this.fail = fail
  }

  wake(): void {
    if (this.active) {
      this.again = true
      return
    }
    this.active = true
    this.running = this.run()
  }

  /** A run is in progress (or about to end in the current synchronous step). */
  get busy(): boolean {
    return this.active
  }

  async idle(): Promise<void> {
    while (this.active) await this.running
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false
        while (await this.body()) {
          // one job per turn; the body decides whether there is more
        }
      } while (this.again)
    } catch (e) {
      this.fail(e)
    } finally {
      this.active = false
    }
  }
}
