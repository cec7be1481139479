/**
 * JobLoop: a wake is never lost, whatever microtask it lands in relative to the loop's end
 * (a wake landing after the last "again" check but before the loop was marked idle used to
 * be dropped: a queued manual compaction then never ran).
 */
import { describe, expect, it } from "vitest"
import { JobLoop } from "../src/internal/JobLoop.ts"

const microtasks = (n: number): Promise<void> => {
  let p = Promise.resolve()
  for (let i = 0; i < n; i++) p = p.then(() => undefined)
  return p
}

describe("JobLoop", () => {
  it.each(Array.from({ length: 12 }, (_, d) => d))(
    "a wake %i microtasks after the body reports no work runs the body again",
    async (depth) => {
      let calls = 0
      let woke = -1
      const loop = new JobLoop(
        async () => {
          calls++
          if (calls === 1) {
            void microtasks(depth).then(() => {
              woke = calls
              loop.wake()
            })
          }
          return false
        },
        (e) => {
          throw e
        },
      )
      loop.wake()
      await microtasks(50)
      await loop.idle()
      expect(woke).toBe(1)
      expect(calls).toBe(2) // the wake after the first call made a second one
    },
  )

  it("runs the body while it reports work, and a failure goes to the fail handler once", async () => {
    let calls = 0
    const failures: unknown[] = []
    const loop = new JobLoop(
      async () => {
        calls++
        if (calls === 3) throw new Error("boom")
        return true
      },
      (e) => failures.push(e),
    )
    loop.wake()
    await loop.idle()
    expect(calls).toBe(3)
    expect(failures).toHaveLength(1)
  })
})
