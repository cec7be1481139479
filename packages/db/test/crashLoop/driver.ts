/**
 * The crash loop (issue 8), RocksDB's db_crashtest in small: per strategy, iterations of
 * start the writer child, SIGKILL it at a chosen moment, optionally drop the page cache
 * (truncate every WAL it wrote to the length its last successful fdatasync covered),
 * reopen, and check the rules:
 * - every acknowledged write the crash had to keep is there (all of them after a process
 *   crash, the sync ones after a lost page cache), and every acknowledged delete;
 * - every batch is all or nothing; no key holds a value never written (verify.ts);
 * - earlier iterations' data is unchanged, the recovered sequence never goes back, and a
 *   write after reopen takes the next sequence;
 * - prepared 2PC transactions are listed, none half applied; committing them makes them
 *   visible, rolling them back drops them.
 * Iterations chain on one folder (`chain` at a time), so recovery also replays WALs of
 * earlier lives; kill moments rotate: after a random number of acks, while an fdatasync is
 * in flight, right after a WAL is created by a memtable switch.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { type Database, type OpenOptions, open } from "../../src/index.ts"
import { startChild } from "../support/child.ts"
import { iterationPrefix, KEYS_PER_WRITER, keyOf, type Op, opStream, prng } from "./ops.ts"
import { verifyWriter } from "./verify.ts"

const writerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), "writer.ts")

export type KillMode = "random" | "mid-fsync" | "mid-switch"

export interface CrashLoopOptions {
  readonly strategies: ReadonlyArray<string>
  readonly iterations: number
  readonly seed: number
  readonly writers: number
  /** Iterations per database folder before a fresh one. */
  readonly chain: number
  /** Drop the page cache on every n-th iteration (0: never). */
  readonly lostPageCacheEvery: number
  /** Kill after a random number of acknowledged writes up to this. */
  readonly maxAcksBeforeKill: number
  readonly log?: (line: string) => void
}

export interface StrategyFigures {
  readonly strategy: string
  iterations: number
  acknowledged: number
  syncAcknowledged: number
  lost: number
  tornBatches: number
  phantomValues: number
  preparedRecovered: number
  killsMidFsync: number
  killsMidSwitch: number
  lostPageCacheIterations: number
  readonly failures: string[]
}

const dbOptions = (dir: string, strategy: string) => ({
  path: dir,
  strategy,
  writeBufferSize: 64 * 1024,
  ...(strategy === "concurrent-memtable" ? { concurrentMemtableWorkers: 1 } : {}),
})

const decode = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b))

/** Every key under `prefix` with its value, as one map. */
const scan = async (db: Database, prefix: string): Promise<Map<string, string>> => {
  const m = new Map<string, string>()
  for await (const [k, v] of db.iterator({ gte: prefix, lt: `${prefix}~` })) m.set(decode(k)!, decode(v)!)
  return m
}

const sameMap = (a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean =>
  a.size === b.size && [...a].every(([k, v]) => b.get(k) === v)

interface ChildRun {
  readonly acked: number[]
  readonly prepared: Set<string>
  readonly synced: Map<string, number>
  readonly walsWritten: Set<string>
  readonly killedOn: KillMode | "exit"
  readonly syncsInFlight: number
  readonly exitCode: number | null
}

/** Runs one writer child until the kill moment; returns what it reported. */
const runChild = async (
  dir: string,
  strategy: string,
  o: CrashLoopOptions,
  iteration: number,
  mode: KillMode,
  rand: () => number,
): Promise<ChildRun> => {
  const acked = new Array<number>(o.writers).fill(0)
  const prepared = new Set<string>()
  const synced = new Map<string, number>()
  const walsWritten = new Set<string>()
  let ready = false
  let acks = 0
  let syncStarts = 0
  let syncDone = 0
  let killedOn: KillMode | "exit" = "exit"
  const target = 20 + Math.floor(rand() * o.maxAcksBeforeKill)
  const switchesBeforeKill = 1 + Math.floor(rand() * 3)
  let switches = 0
  const withTxn = "1"
  let killFn: () => void = () => undefined
  const kill = (why: KillMode): void => {
    if (killedOn !== "exit") return
    killedOn = why
    killFn()
  }
  const child = startChild(writerScript, [dir, strategy, String(o.seed), String(iteration), String(o.writers), withTxn], (line) => {
    const [tag, a, b] = line.split(" ")
    switch (tag) {
      case "ready":
        ready = true
        return
      case "ack":
        acked[Number(a)] = Number(b) + 1
        acks++
        if (mode === "random" && acks >= target) kill("random")
        // Safety net: a mode whose moment never comes still ends the iteration.
        if (acks >= target + 20 * o.maxAcksBeforeKill) kill("random")
        return
      case "prepared":
        prepared.add(`${a} ${b}`)
        return
      case "sync-start":
        syncStarts++
        if (mode === "mid-fsync" && acks >= target / 4) kill("mid-fsync")
        return
      case "synced":
        syncDone++
        synced.set(a!, Math.max(synced.get(a!) ?? 0, Number(b)))
        return
      case "wal-open":
        walsWritten.add(a!)
        if (ready && mode === "mid-switch" && ++switches >= switchesBeforeKill) kill("mid-switch")
        return
    }
  })
  killFn = () => child.proc.kill("SIGKILL")
  const exitCode = await child.exited
  return { acked, prepared, synced, walsWritten, killedOn, syncsInFlight: syncStarts - syncDone, exitCode }
}

/** Lost page cache: every WAL this child wrote keeps only what its last successful sync covered. */
const dropPageCache = (run: ChildRun): void => {
  for (const wal of run.walsWritten) {
    if (fs.existsSync(wal)) fs.truncateSync(wal, Math.min(run.synced.get(wal) ?? 0, fs.statSync(wal).size))
  }
}

export const runCrashLoop = async (o: CrashLoopOptions): Promise<StrategyFigures[]> => {
  const all: StrategyFigures[] = []
  for (const strategy of o.strategies) {
    const f: StrategyFigures = {
      strategy,
      iterations: 0,
      acknowledged: 0,
      syncAcknowledged: 0,
      lost: 0,
      tornBatches: 0,
      phantomValues: 0,
      preparedRecovered: 0,
      killsMidFsync: 0,
      killsMidSwitch: 0,
      lostPageCacheIterations: 0,
      failures: [],
    }
    all.push(f)
    const rand = prng(o.seed ^ 0x5bd1e995)
    let dir = ""
    /** The verified final contents of each earlier iteration in this folder. */
    let finals = new Map<number, Map<string, string>>()
    let lastSequence = 0
    let failuresAtChainStart = 0
    /** A folder whose chain failed is kept for inspection (its path is in the failure lines). */
    const done = (): void => {
      if (dir !== "" && f.failures.length === failuresAtChainStart) fs.rmSync(dir, { recursive: true, force: true })
      failuresAtChainStart = f.failures.length
    }
    for (let i = 0; i < o.iterations; i++) {
      if (i % o.chain === 0) {
        done()
        dir = fs.mkdtempSync(path.join(os.tmpdir(), `writepath-crashloop-${strategy}-`))
        finals = new Map()
        lastSequence = 0
      }
      const fail = (what: string): void => {
        const line = `iteration ${i} (${dir}): ${what}`
        f.failures.push(line)
        o.log?.(`${strategy} FAIL ${line}`) // as it happens: a long run's failures are not held back to its end
      }
      const mode: KillMode = (["random", "mid-fsync", "mid-switch"] as const)[i % 3]!
      const lostPageCache = o.lostPageCacheEvery > 0 && i % o.lostPageCacheEvery === o.lostPageCacheEvery - 1
      const run = await runChild(dir, strategy, o, i, mode, rand)
      if (run.killedOn === "exit") {
        fail(`the writer exited on its own (code ${run.exitCode})`)
        continue
      }
      f.iterations++
      if (run.killedOn === "mid-switch") f.killsMidSwitch++
      if (run.syncsInFlight > 0) f.killsMidFsync++
      if (lostPageCache) {
        f.lostPageCacheIterations++
        dropPageCache(run)
      }

      const db = await open(dbOptions(dir, strategy) as OpenOptions)
      try {
        const recoveredSequence = db.stats().lastSequence
        if (recoveredSequence < lastSequence) fail(`recovered sequence ${recoveredSequence} < ${lastSequence} before the crash`)
        for (const [j, want] of finals) {
          if (!sameMap(await scan(db, iterationPrefix(j)), want)) {
            f.lost++
            fail(`iteration ${j}'s data changed`)
          }
        }
        const listed = new Map(db.getPreparedTransactions().map((t) => [t.name, t]))
        f.preparedRecovered += listed.size
        const resolve: Array<Promise<void>> = []
        for (let w = 0; w < o.writers; w++) {
          const next = opStream(o.seed, i, w, true)
          const ops: Op[] = []
          for (let n = 0; n <= run.acked[w]!; n++) ops.push(next())
          const inFlight = ops[run.acked[w]!]!
          const inFlightTxn = inFlight.kind === "txn" ? listed.get(inFlight.name) : undefined
          if (inFlight.kind === "txn") listed.delete(inFlight.name)
          const recovered: Array<string | undefined> = []
          for (let k = 0; k < KEYS_PER_WRITER; k++) recovered.push(decode(await db.get(keyOf(i, w, k))))
          const v = verifyWriter({
            acked: run.acked[w]!,
            preparedInFlight: run.prepared.has(`${w} ${run.acked[w]}`),
            ops,
            recovered,
            inFlightListed: inFlightTxn !== undefined,
            lostPageCache,
          })
          f.acknowledged += run.acked[w]!
          f.syncAcknowledged += ops.slice(0, run.acked[w]).filter((op) => op.kind === "txn" || op.sync).length
          f.lost += v.lost
          f.tornBatches += v.torn
          f.phantomValues += v.phantom
          if (!v.ok) fail(`writer ${w} (${run.acked[w]} acked, ${run.killedOn}${lostPageCache ? ", page cache lost" : ""}): ${v.detail}`)
          if (inFlightTxn !== undefined && inFlight.kind === "txn") {
            resolve.push(inFlight.commit ? inFlightTxn.commit() : inFlightTxn.rollback())
          }
        }
        for (const name of listed.keys()) {
          f.lost++
          fail(`transaction ${name} is listed as prepared but was not in flight (its acknowledged commit/rollback was lost)`)
        }
        await Promise.all(resolve)
        if (db.getPreparedTransactions().length !== listed.size) fail("prepared transactions left after commit/rollback")
        // Writes continue after reopen, at the next sequence.
        const before = db.stats().lastSequence
        await db.put(`${iterationPrefix(i)}~after`, "crash", { sync: true })
        if (db.stats().lastSequence !== before + 1)
          fail(`the write after reopen took sequence ${db.stats().lastSequence}, not ${before + 1}`)
        finals.set(i, await scan(db, iterationPrefix(i)))
        lastSequence = db.stats().lastSequence
      } finally {
        await db.close()
      }
      o.log?.(
        `${strategy} #${i}: ${run.killedOn}${lostPageCache ? " + lost page cache" : ""}, ${run.acked.reduce((a, b) => a + b, 0)} acked, ${f.failures.length} failures so far`,
      )
    }
    done()
  }
  return all
}
