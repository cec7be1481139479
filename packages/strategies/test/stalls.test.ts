/**
 * Stops, delays and noSlowdown in every shipped strategy, over the fake env whose
 * WriteController throttles through core-queue's `delayWrite` on the caller's own queue:
 * a stalled leader holds its queue with the barrier up, noSlowdown writes fail at once, WAL-only
 * writes (two-queue's second queue) stall on their own queue's barrier, and releasing the
 * token lets everything through. Ordering by token releases and macrotask turns, no timers.
 */
import { WriteBatch } from "@writepath/batch"
import { describe, expect, it } from "vitest"
import { DEFAULT_WRITE_OPTIONS, STRATEGIES } from "../src/index.ts"
import { FakeEnv, flush, withStrategy } from "./support/fakeEnv.ts"

const noSlowdown = { ...DEFAULT_WRITE_OPTIONS, noSlowdown: true }
const prepareBatch = (x: string): WriteBatch => new WriteBatch().markBeginPrepare().put(`p${x}`, "1").markEndPrepare(x)

const track = <A>(p: Promise<A>): { settled: boolean; readonly promise: Promise<A> } => {
  const t = { settled: false, promise: p }
  p.then(
    () => {
      t.settled = true
    },
    () => {
      t.settled = true
    },
  )
  return t
}

describe.each(STRATEGIES)("%s: stalls over the fake env", (name) => {
  it.each(["main first", "WAL-only first"])(
    "a stop holds main and WAL-only writes (%s); noSlowdown fails at once; release lets all through",
    async (order) => {
      const env = new FakeEnv()
      await withStrategy(name, env, async (s) => {
        const stop = env.controller.getStopToken()
        const main = () => track(s.write(new WriteBatch().put("m", "v"), DEFAULT_WRITE_OPTIONS))
        const prepares = () => [
          track(s.write(prepareBatch("a"), DEFAULT_WRITE_OPTIONS, true)),
          track(s.write(prepareBatch("b"), DEFAULT_WRITE_OPTIONS, true)),
        ]
        const writes = order === "main first" ? [main(), ...prepares()] : [...prepares(), main()]
        for (let i = 0; i < 5; i++) await flush()
        expect(s.writeThread.isStalled).toBe(true)
        await expect(s.write(new WriteBatch().put("fast", "v"), noSlowdown)).rejects.toMatchObject({ _tag: "WriteStall" })
        expect(writes.some((w) => w.settled)).toBe(false)
        stop.release()
        await Promise.all(writes.map((w) => w.promise))
        expect(s.writeThread.isStalled).toBe(false)
        // Every write's sequences were allocated once; the main write is published.
        expect(env.versions.lastAllocated).toBe(3)
        expect(env.mem.get(new TextEncoder().encode("m"))._tag).toBe("Found")
        expect(env.mem.get(new TextEncoder().encode("fast"))._tag).toBe("NotFound")
        await s.exclusive(() => undefined)
      })
    },
  )

  it("a timed delay raises the barrier: a noSlowdown write fails at once, before the delayed leader goes on", async () => {
    const env = new FakeEnv()
    await withStrategy(name, env, async (s) => {
      await s.write(new WriteBatch().put("big", "x".repeat(4096)), DEFAULT_WRITE_OPTIONS) // the group the next leader is charged
      const delay = env.controller.getDelayToken(1024) // 4 kB at 1 kB/s: about 4 s, cut short below
      const slow = track(s.write(new WriteBatch().put("slow", "v"), DEFAULT_WRITE_OPTIONS))
      while (!s.writeThread.isStalled) await flush()
      await expect(s.write(new WriteBatch().put("fast", "v"), noSlowdown)).rejects.toMatchObject({ _tag: "WriteStall" })
      expect(slow.settled).toBe(false)
      delay.release() // the delay loop re-checks within a millisecond
      await slow.promise
      expect(env.mem.get(new TextEncoder().encode("slow"))._tag).toBe("Found")
    })
  })
})
