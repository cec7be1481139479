/**
 * The crash loop's short version (the full one is `pnpm test:crash --iterations 200`),
 * and the verifier's own tests: it must call a torn batch torn and a lost write lost.
 */
import { spawn } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { STRATEGIES } from "@writepath/strategies"
import { describe, expect, it } from "vitest"
import { runCrashLoop } from "./crashLoop/driver.ts"
import { apply, KEYS_PER_WRITER, type Op, opStream } from "./crashLoop/ops.ts"
import { verifyWriter } from "./crashLoop/verify.ts"
import { tsxLoader } from "./support/child.ts"

// The short version of `pnpm test:crash`, in the default run. (A CI run once failed it with
// writers' states "matching no prefix": the harness lost acks on their way to the driver, see
// crashLoop/report.ts and "crash loop report channel" below.)
describe.each(STRATEGIES)("crash loop, short (%s)", (strategy) => {
  it("SIGKILL at random, mid-fsync and mid-switch, with and without the page cache: nothing acknowledged lost, no batch torn", async () => {
    const [f] = await runCrashLoop({
      strategies: [strategy],
      iterations: 3,
      seed: 7,
      writers: 8,
      chain: 3,
      lostPageCacheEvery: 2,
      maxAcksBeforeKill: 300,
    })
    expect(f!.failures).toEqual([])
    expect([f!.iterations, f!.lost, f!.tornBatches, f!.phantomValues]).toEqual([3, 0, 0, 0])
    expect(f!.acknowledged).toBeGreaterThan(20)
    expect(f!.lostPageCacheIterations).toBe(1)
  }, 180_000) // safety net: three child processes on a loaded 2-core machine
})

describe("crash loop verifier", () => {
  const ops = (n: number): Op[] => {
    const next = opStream(3, 0, 0, true)
    return Array.from({ length: n }, () => next())
  }
  const stateAfter = (list: ReadonlyArray<Op>, m: number): Array<string | undefined> => {
    const s: Array<string | undefined> = new Array(KEYS_PER_WRITER).fill(undefined)
    for (const op of list.slice(0, m)) apply(s, op)
    return s
  }
  const evidence = (list: Op[], acked: number, recovered: Array<string | undefined>, lostPageCache = false) => ({
    acked,
    preparedInFlight: false,
    ops: list.slice(0, acked + 1),
    recovered,
    inFlightListed: false,
    lostPageCache,
  })

  it("accepts the acknowledged prefix and the one with the op in flight", () => {
    const list = ops(60)
    expect(verifyWriter(evidence(list, 40, stateAfter(list, 40))).ok).toBe(true)
    expect(verifyWriter(evidence(list, 40, stateAfter(list, 41))).ok).toBe(true)
  })

  it("calls a missing acknowledged write lost, unless the page cache was lost and it was not synced", () => {
    const list = ops(60)
    // The latest acknowledged op that changes the state, and whether it was synced.
    let m = 40
    while (m > 0 && JSON.stringify(stateAfter(list, m - 1)) === JSON.stringify(stateAfter(list, m))) m--
    const v = verifyWriter(evidence(list, m, stateAfter(list, m - 1)))
    expect([v.ok, v.lost > 0]).toEqual([false, true])
    const op = list[m - 1]!
    const synced = op.kind === "txn" || op.sync
    expect(verifyWriter(evidence(list, m, stateAfter(list, m - 1), true)).ok).toBe(!synced)
  })

  it("calls half a batch torn and an unwritten value a phantom", () => {
    const list = ops(200)
    // A batch that changes at least two keys, one of them to a value: applying only that one tears it.
    const changes = (i: number): number => {
      const before = stateAfter(list, i)
      const op = list[i]!
      return op.kind === "batch" ? op.mutations.filter((u) => before[u.key] !== u.value).length : 0
    }
    const b = list.findIndex((op, i) => op.kind === "batch" && op.mutations.some((u) => u.value !== undefined) && changes(i) >= 2)
    const batch = list[b]!
    if (batch.kind !== "batch") throw new Error("no batch in the stream")
    const half = stateAfter(list, b)
    const u = batch.mutations.find((x) => x.value !== undefined && half[x.key] !== x.value)!
    half[u.key] = u.value
    const v = verifyWriter(evidence(list, b + 1, half))
    expect([v.ok, v.torn]).toEqual([false, 1])
    const phantom = stateAfter(list, b + 1)
    phantom[0] = "never written"
    expect(verifyWriter(evidence(list, b + 1, phantom)).phantom).toBe(1)
  })

  it("a transaction listed as prepared must not be visible", () => {
    const list = ops(200)
    const t = list.findIndex((op) => op.kind === "txn" && op.commit)
    const committed = stateAfter(list, t + 1)
    const v = verifyWriter({ ...evidence(list, t, committed), preparedInFlight: true, inFlightListed: true })
    expect(v.ok).toBe(JSON.stringify(committed) === JSON.stringify(stateAfter(list, t)))
    expect(verifyWriter({ ...evidence(list, t, stateAfter(list, t)), preparedInFlight: true, inFlightListed: true }).ok).toBe(true)
  })
})

describe("crash loop report channel", () => {
  const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/reportLineChild.ts")
  // Far more than a socketpair's send buffer (net.core.wmem_default, ~208 KiB; at most
  // wmem_max), so most of the line can only have reached the kernel if the writer waited
  // for the parent to read it.
  const BYTES = 16 * 1024 * 1024

  /** Bytes of stdout the parent gets when it SIGKILLs the child as soon as its report call returned. */
  const bytesSurvivingKill = (how: "reportLine" | "stdout"): Promise<number> =>
    new Promise((resolve, reject) => {
      const proc = spawn(process.execPath, ["--import", tsxLoader, fixture, how, String(BYTES)], {
        stdio: ["ignore", "pipe", "inherit", "pipe"],
      })
      let received = 0
      proc.stdout!.on("data", (d: Buffer) => {
        received += d.length
      })
      // The driver's kill: right after the child says the report call returned.
      proc.stdio[3]!.once("data", () => proc.kill("SIGKILL"))
      proc.once("error", reject)
      // "close": stdout is read to its end, everything the kernel held included.
      proc.once("close", () => resolve(received))
    })

  // Issue 8: the writer's acks went through process.stdout.write, which returns with the
  // line queued in the writer's memory once the kernel buffer is full (the driver lagging
  // under load); the writer ran ~70-230 ops further per writer, the SIGKILL dropped those
  // acks, and the verifier reported torn states and "acknowledged commit lost".
  it("a line reported with reportLine reaches the driver even when the writer is killed right after; with process.stdout.write it does not", async () => {
    expect(await bytesSurvivingKill("reportLine")).toBe(BYTES + 1)
    // The control: the scenario does lose a line written the old way, so the assertion above is not vacuous.
    expect(await bytesSurvivingKill("stdout")).toBeLessThan(BYTES + 1)
  }, 60_000)
})
