/**
 * Worker-thread entry of `InsertWorker`: attaches the MemTable from `workerData.handle`
 * and inserts the batches it is sent. Runs on Node (as .js, or as .ts through tsx),
 * Bun and Deno.
 *
 * Messages in:  { id, batches: [{ data, firstSeq? }], concurrent, gate? }
 * Messages out: { id, outcomes: [{ ok: true, nextSeq } | { ok: false, tag, message, recordsApplied? }], startedAt, endedAt }
 */
import { parentPort, workerData } from "node:worker_threads"
import { MemTable, type MemTableHandle } from "../MemTable.ts"
import type { InsertOutcome, InsertRequest } from "./insertProtocol.ts"

const port = parentPort
if (port === null) throw new Error("insertWorker must run in a worker thread")

const data = workerData as { readonly handle: MemTableHandle; readonly seed?: number }
const mem = MemTable.attach(data.handle, data.seed === undefined ? {} : { seed: data.seed })

port.on("message", (req: InsertRequest) => {
  // A start gate lets a caller release several workers at the same instant: count
  // this worker in at gate[1], then wait for gate[0] to open.
  if (req.gate !== undefined) {
    Atomics.add(req.gate, 1, 1)
    Atomics.notify(req.gate, 1)
    while (Atomics.load(req.gate, 0) === 0) Atomics.wait(req.gate, 0, 0)
  }
  const startedAt = performance.timeOrigin + performance.now()
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
  port.postMessage({ id: req.id, outcomes, startedAt, endedAt: performance.timeOrigin + performance.now() })
})
port.postMessage({ ready: true })
