/**
 * Worker-thread side of the memtable insert pool: attaches the memtable named in each
 * request through its SharedArrayBuffer handle and inserts the packed batches with the
 * lock-free concurrent insert. Replies with one outcome per batch (null = ok).
 */
import { parentPort } from "node:worker_threads"
import { MemTable, type MemTableHandle } from "@writepath/memtable"
import type { PoolReply, PoolRequest } from "./insertPoolProtocol.ts"

let attached: { readonly id: number; readonly mem: MemTable } | undefined

const attach = (id: number, handle: MemTableHandle): MemTable => {
  if (attached?.id !== id) attached = { id, mem: MemTable.attach(handle, { seed: 0x9e3779b9 ^ id }) }
  return attached.mem
}

parentPort!.on("message", (req: PoolRequest) => {
  const mem = attach(req.memId, req.handle)
  const outcomes: Array<PoolReply["outcomes"][number]> = []
  for (let i = 0; i < req.sequences.length; i++) {
    try {
      mem.insertBatchConcurrently(req.data.subarray(req.offsets[i]!, req.offsets[i + 1]!), req.sequences[i]!)
      outcomes.push(null)
    } catch (e) {
      const err = e as { _tag?: string; message?: string }
      outcomes.push({ tag: err._tag ?? "Error", message: err.message ?? String(e) })
    }
  }
  parentPort!.postMessage({ id: req.id, outcomes } satisfies PoolReply)
})
parentPort!.postMessage({ id: 0, outcomes: [] } satisfies PoolReply)
