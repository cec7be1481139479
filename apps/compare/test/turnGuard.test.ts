/**
 * The turn guards must let neither the reader nor the writers starve the other, and must
 * never split an engine's write groups. Fake engines whose operations cost CPU (a busy
 * loop: the cost the guard measures) and either complete in microtasks or need one
 * macrotask, as writepath's grouped writes do (the leader yields with setImmediate).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { performance } from "node:perf_hooks"
import { describe, expect, it, vi } from "vitest"
import type { Engine, EngineHandle } from "../src/Engine.ts"
import { type RunSpec, runWorkload } from "../src/runWorkload.ts"

vi.setConfig({ testTimeout: 30_000 })

interface TurnFakeOptions {
  readonly writeMicros: number
  readonly readMicros: number
  /** Writes wait for the next macrotask; every write issued before it joins one group. */
  readonly writesNeedTurn: boolean
  /** Each read waits for the next macrotask. */
  readonly readsNeedTurn: boolean
}

const spin = (micros: number): void => {
  const end = performance.now() + micros / 1000
  while (performance.now() < end);
}

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

const turnFake = (o: TurnFakeOptions): Engine => ({
  name: "writepath",
  strategy: "fake",
  kind: "writepath",
  probe: async () => null,
  async open(): Promise<EngineHandle> {
    let group: (() => void)[] = []
    let groups = 0
    let grouped = 0
    const commit = (): Promise<void> =>
      new Promise((resolve) => {
        group.push(resolve)
        if (group.length > 1) return
        // Like a writepath leader: one yield to the next macrotask, then everyone queued by then goes.
        setImmediate(() => {
          const members = group
          group = []
          groups++
          grouped += members.length
          for (const r of members) r()
        })
      })
    const read = async (): Promise<void> => {
      spin(o.readMicros)
      if (o.readsNeedTurn) await nextMacrotask()
    }
    return {
      async put() {
        spin(o.writeMicros)
        if (o.writesNeedTurn) await commit()
        else {
          groups++
          grouped++
        }
      },
      get: async () => {
        await read()
        return undefined
      },
      scan: async () => {
        await read()
        return 0
      },
      stats: () => ({ groups, meanGroupSize: groups === 0 ? 0 : grouped / groups, walSyncs: 0 }),
      close: async () => {},
    }
  },
})

const spec = (workload: RunSpec["workload"], writers: number, maxOps: number): RunSpec => ({
  workload,
  sync: false,
  writers,
  keySize: 16,
  valueSize: 10,
  maxOps,
  seconds: null,
})

const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "compare-turns-"))

/** Reads per write of a readwhilewriting run of 1 writer. */
const readsPerWrite = async (o: TurnFakeOptions): Promise<number> => {
  const r = await runWorkload(turnFake(o), tempDir(), spec("readwhilewriting", 1, 2000))
  expect(r.ops).toBe(2000)
  return (r.readsPerSec ?? 0) / r.opsPerSec
}

describe("turn guards", () => {
  // Equal costs, so a fair share of the loop is about one read per write. With the slice
  // charged to whoever asked next, the microtask side ran 1 ms (~50 operations) for each
  // operation of the side that needs a turn.
  it("a reader that never yields on its own does not starve a writer whose writes need a turn", async () => {
    const ratio = await readsPerWrite({ writeMicros: 20, readMicros: 20, writesNeedTurn: true, readsNeedTurn: false })
    expect(ratio).toBeGreaterThan(1 / 8)
    expect(ratio).toBeLessThan(8)
  })

  it("a writer that never yields on its own does not starve a reader whose reads need a turn", async () => {
    const ratio = await readsPerWrite({ writeMicros: 20, readMicros: 20, writesNeedTurn: false, readsNeedTurn: true })
    expect(ratio).toBeGreaterThan(1 / 8)
    expect(ratio).toBeLessThan(8)
  })

  it("two sides that both run in microtasks both progress", async () => {
    const ratio = await readsPerWrite({ writeMicros: 20, readMicros: 20, writesNeedTurn: false, readsNeedTurn: false })
    expect(ratio).toBeGreaterThan(1 / 8)
    expect(ratio).toBeLessThan(8)
  })

  // A group of 64 writes costs ~1.3 ms of microtasks, past the 1 ms slice: a guard that
  // made some writers yield there sent them to a later turn than the leader's, splitting
  // every group in two.
  it("never splits the engine's write groups", async () => {
    const r = await runWorkload(
      turnFake({ writeMicros: 20, readMicros: 0, writesNeedTurn: true, readsNeedTurn: false }),
      tempDir(),
      spec("fillrandom", 64, 64 * 40),
    )
    expect(r.ops).toBe(64 * 40)
    expect(r.groups?.meanSize).toBeGreaterThan(63)
  })
})
