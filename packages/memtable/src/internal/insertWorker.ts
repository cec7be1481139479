/**
 * Worker-thread entry of `InsertWorker`: attaches the MemTable from `workerData.handle`
 * and inserts the batches it is sent. Runs on Node (as .js, or as .ts through tsx),
 * Bun and Deno.
 *
 * Messages in:  { id, batches: [{ data, firstSeq? }], concurrent, gate? }
 * Messages out: InsertReply (outcomes per batch, wall-clock window, thread CPU time)
 */
import { readFileSync } from "node:fs"
import { parentPort, workerData } from "node:worker_threads"
import { MemTable, type MemTableHandle } from "../MemTable.ts"
import type { InsertOutcome, InsertRequest } from "./insertProtocol.ts"

const port = parentPort
if (port === null) throw new Error("insertWorker must run in a worker thread")

const data = workerData as { readonly handle: MemTableHandle; readonly seed?: number }
const mem = MemTable.attach(data.handle, data.seed === undefined ? {} : { seed: data.seed })

/**
 * This thread's CPU time in ms from /proc/thread-self/stat (utime + stime, 100 Hz ticks),
 * or undefined off Linux. Lets a benchmark separate CPU cost per insert from the
 * machine's load, which wall-clock throughput on shared cores cannot.
 */
const threadCpuMs = (): number | undefined => {
  try {
    const stat = readFileSync("/proc/thread-self/stat", "latin1")
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(f[11]) + Number(f[12])) * 10
  } catch {
    return undefined
  }
}

port.on("message", (req: InsertRequest) => {
  // A start gate lets a caller release several workers at the same instant: count
  // this worker in at gate[1], then wait for gate[0] to open.
  if (req.gate !== undefined) {
    Atomics.add(req.gate, 1, 1)
    Atomics.notify(req.gate, 1)
    while (Atomics.load(req.gate, 0) === 0) Atomics.wait(req.gate, 0, 0)
  }
  const startedAt = performance.timeOrigin + performance.now()
  const cpu0 = threadCpuMs()
  const outcomes: InsertOutcome[] = []
  for (const b of req.batches) {
    try {
      const nextSeq = req.concurrent ? mem.insertBatchConcurrently(b.data, b.firstSeq) : mem.insertBatch(b.data, b.firstSeq)
      outcomes.push({ ok: true, nextSeq })
    } catch (e) {
      const err = e as { _tag?: string; message?: string; recordsApplied?: number }
      outcomes.push({
        ok: false,
        tag: err._tag ?? "Defect",
        message: String(err.message ?? e),
        ...(err.recordsApplied === undefined ? {} : { recordsApplied: err.recordsApplied }),
      })
    }
  }
  const endedAt = performance.timeOrigin + performance.now()
  const cpu1 = threadCpuMs()
  port.postMessage({
    id: req.id,
    outcomes,
    startedAt,
    endedAt,
    ...(cpu0 === undefined || cpu1 === undefined ? {} : { cpuMs: cpu1 - cpu0 }),
  })
})
port.postMessage({ ready: true })
