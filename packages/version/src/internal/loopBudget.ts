/**
 * LoopBudget: keeps synchronous stretches of a long job short. The job asks `due()` every few
 * entries and, when the current stretch reached `budgetMs`, awaits `yieldNow()` (setImmediate:
 * timers and I/O callbacks run). `around(p)` marks an await the job does anyway (fsync, a
 * MANIFEST write) as the end of a stretch. `longestMs` is the longest stretch seen.
 */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export class LoopBudget {
  private readonly budgetMs: number
  private start = performance.now()
  private longest = 0

  constructor(budgetMs: number) {
    this.budgetMs = budgetMs
  }

  get longestMs(): number {
    return this.longest
  }

  due(): boolean {
    return performance.now() - this.start >= this.budgetMs
  }

  /** Ends the stretch, lets the event loop run, starts a new stretch. */
  async yieldNow(): Promise<void> {
    await this.around(yieldToLoop())
  }

  /** Ends the stretch at this await (`p` already started: its synchronous part counted). */
  async around<T>(p: Promise<T>): Promise<T> {
    this.mark()
    try {
      return await p
    } finally {
      this.start = performance.now()
    }
  }

  /** Closes the current stretch into `longestMs` (call at the end of the job). */
  mark(): void {
    const now = performance.now()
    if (now - this.start > this.longest) this.longest = now - this.start
  }
}
