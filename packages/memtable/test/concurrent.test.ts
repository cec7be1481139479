/**
 * Real parallel inserts from worker threads into one memtable while the main thread
 * reads (RocksDB inlineskiplist_test ConcurrentInsert / ConcurrentRead). Workers are
 * released together by an Atomics gate; the reader runs until the entry counter says
 * every insert is linked. No sleeps.
 */
import { WriteBatch } from "@writepath/batch"
import { afterAll, describe, expect, it } from "vitest"
import { InsertWorker, MemTable, StartGate } from "../src/index.ts"

const enc = new TextEncoder()
const dec = new TextDecoder()
const WORKERS = 3
const DISJOINT = 3000 // per worker, keys only that worker writes
const SHARED = 1000 // user keys every worker writes, each at its own sequences
const RACES = 500 // key+seq pairs every worker tries to insert: exactly one may win
const BATCH = 50

const workers: InsertWorker[] = []
afterAll(async () => {
  await Promise.all(workers.map((w) => w.terminate()))
})

type Job = { data: Uint8Array; firstSeq: number }

/** Builds each worker's batches and the exact multiset of internal keys expected afterwards. */
const plan = () => {
  let seq = 1
  const jobs: Job[][] = Array.from({ length: WORKERS }, () => [])
  const expected = new Set<string>()
  const addBatches = (w: number, keys: string[]) => {
    for (let i = 0; i < keys.length; i += BATCH) {
      const wb = new WriteBatch()
      for (const k of keys.slice(i, i + BATCH)) wb.put(k, `w${w}`)
      jobs[w]!.push({ data: wb.data.slice(), firstSeq: seq })
      for (const k of keys.slice(i, i + BATCH)) expected.add(`${k}@${seq++}`)
    }
  }
  // Interleave so workers touch the same key ranges at the same time.
  for (let w = 0; w < WORKERS; w++) {
    addBatches(
      w,
      Array.from({ length: DISJOINT }, (_, i) => `key${String(i).padStart(6, "0")}-w${w}`),
    )
    addBatches(
      w,
      Array.from({ length: SHARED }, (_, i) => `key${String(i * 3).padStart(6, "0")}`),
    )
  }
  const raceSeq = seq
  for (let i = 0; i < RACES; i++) {
    const key = `key${String(i * 7).padStart(6, "0")}-race`
    for (let w = 0; w < WORKERS; w++) jobs[w]!.push({ data: new WriteBatch().put(key, `w${w}`).data.slice(), firstSeq: raceSeq + i })
    expected.add(`${key}@${raceSeq + i}`)
  }
  // Each worker inserts its jobs in a different order so the races really race.
  for (let w = 0; w < WORKERS; w++) if (w % 2 === 1) jobs[w]!.reverse()
  return { jobs, expected }
}

/** One full forward pass: internal keys in order, checking sortedness as it goes. */
const scan = (m: MemTable): string[] => {
  const out: string[] = []
  const it = m.newIterator()
  let prevKey: Uint8Array | undefined
  let prevSeq = 0
  for (it.seekToFirst(); it.valid(); it.next()) {
    const k = it.key()
    if (prevKey !== undefined) {
      const c = Buffer.compare(Buffer.from(prevKey), Buffer.from(k))
      if (c > 0 || (c === 0 && prevSeq <= it.sequence)) throw new Error("reader saw entries out of order")
    }
    prevKey = k.slice()
    prevSeq = it.sequence
    out.push(`${dec.decode(k)}@${it.sequence}`)
  }
  return out
}

describe("concurrent inserts from worker threads", () => {
  it("2-4 workers insert disjoint, overlapping and racing keys while the main thread reads", async () => {
    const m = MemTable.make({ writeBufferSize: 16 * 1024 * 1024 })
    for (let w = 0; w < WORKERS; w++) workers.push(await InsertWorker.spawn(m.handle, { seed: 1000 + w }))
    const { jobs, expected } = plan()
    const gate = new StartGate()
    const replies = workers.map((w, i) => w.insert(jobs[i]!, { gate: gate.array }))
    await gate.open(WORKERS)

    // ConcurrentRead: scan repeatedly until every insert is linked. An entry seen once
    // must be seen by every later scan, and every scan must be sorted.
    let seen = new Set<string>()
    let passes = 0
    const deadline = Date.now() + 60_000
    for (;;) {
      const done = m.numEntries === expected.size
      const now = scan(m)
      const set = new Set(now)
      for (const k of seen) if (!set.has(k)) throw new Error(`entry ${k} disappeared between scans`)
      expect(set.size).toBe(now.length) // no internal key twice
      for (const k of now.slice(0, 50)) {
        const [key, seq] = k.split("@") as [string, string]
        expect(m.get(enc.encode(key), Number(seq))._tag).toBe("Found")
      }
      seen = set
      passes++
      if (done) break
      if (Date.now() > deadline) throw new Error(`timed out with ${m.numEntries} of ${expected.size} entries`)
    }

    const results = await Promise.all(replies)
    // The workers' insert intervals overlapped: this was really parallel.
    const latestStart = Math.max(...results.map((r) => r.startedAt))
    const earliestEnd = Math.min(...results.map((r) => r.endedAt))
    expect(latestStart).toBeLessThan(earliestEnd)

    // Every key+seq exactly once; every race won by exactly one worker, the others told so.
    const final = scan(m)
    expect(final.length).toBe(expected.size)
    expect(new Set(final)).toEqual(expected)
    const failures = results.flatMap((r) => r.outcomes.filter((o) => !o.ok))
    expect(failures.length).toBe(RACES * (WORKERS - 1))
    expect(new Set(failures.map((f) => (f.ok ? "" : f.tag)))).toEqual(new Set(["DuplicateEntry"]))
    expect(m.numEntries).toBe(expected.size)

    // The list is sorted and nested at every level.
    const levels = m.checkInvariants().table
    expect(levels[0]).toBe(expected.size)
    expect(levels.length).toBeGreaterThan(3)
    console.log(`concurrent insert: ${passes} reader passes, ${m.casRetries} lost CAS races, levels ${levels.join("/")}`)
  }, 120_000)

  it("hot spot: workers insert adjacent keys in the same order, racing for the same links", async () => {
    const m = MemTable.make({ writeBufferSize: 16 * 1024 * 1024, seed: 99 })
    const hot = await Promise.all([0, 1, 2, 3].map((w) => InsertWorker.spawn(m.handle, { seed: 77 + w })))
    workers.push(...hot)
    const N = 4000
    const jobs = hot.map((_, w) =>
      Array.from({ length: N }, (_, i) => {
        const seq = i * hot.length + w + 1
        return { data: new WriteBatch().put(`hot${String(seq).padStart(8, "0")}`, "v").data.slice(), firstSeq: seq }
      }),
    )
    const gate = new StartGate()
    const replies = hot.map((w, i) => w.insert(jobs[i]!, { gate: gate.array }))
    await gate.open(hot.length)
    const results = await Promise.all(replies)
    expect(results.every((r) => r.outcomes.every((o) => o.ok))).toBe(true)
    const keys = scan(m)
    expect(keys).toEqual(Array.from({ length: N * hot.length }, (_, i) => `hot${String(i + 1).padStart(8, "0")}@${i + 1}`))
    expect(m.checkInvariants().table[0]).toBe(N * hot.length)
    console.log(`hot spot: ${m.casRetries} lost CAS races recovered`)
  }, 120_000)

  it("a worker's error is an outcome; the memtable stays readable", async () => {
    const m = MemTable.make({ writeBufferSize: 64 * 1024 })
    const w = await InsertWorker.spawn(m.handle)
    workers.push(w)
    const big = new WriteBatch()
    for (let i = 0; i < 200; i++) big.put(`k${i}`, new Uint8Array(1000))
    const bad = new WriteBatch().put("a", "b").data.slice()
    bad[8] = 9
    const r = await w.insert([
      { data: new WriteBatch().put("x", "1").data, firstSeq: 1 },
      { data: bad, firstSeq: 2 },
      { data: big.data, firstSeq: 10 },
    ])
    expect(r.outcomes[0]).toEqual({ ok: true, nextSeq: 2 })
    expect(r.outcomes[1]).toMatchObject({ ok: false, tag: "MalformedBatch" })
    expect(r.outcomes[2]).toMatchObject({ ok: false, tag: "ArenaFull" })
    const applied = r.outcomes[2]!.ok ? 0 : (r.outcomes[2]!.recordsApplied ?? -1)
    expect(m.numEntries).toBe(1 + applied)
    expect(m.get(enc.encode("x"))._tag).toBe("Found")
    m.checkInvariants()
  }, 60_000)
})
