/**
 * A pool of worker threads inserting batches into the mutable memtable, which lives in
 * a SharedArrayBuffer: the parallel memtable writers of the concurrent-memtable
 * strategy. JavaScript has one thread per isolate, so "each member inserts its own
 * batch" (RocksDB) becomes: each member hands its batch to a worker and awaits it,
 * while the group leader inserts its own on the main thread at the same time.
 *
 * Messages are amortized: inserts requested in the same tick are packed into one
 * message per worker (a postMessage costs tens of microseconds; a 100-byte insert about
 * one), and every (workers + 1)-th member inserts on the main thread so both cores work.
 *
 * Owns: the workers and the per-worker pending lists. Invariants: 1. a request names
 * the memtable it targets, so a worker never inserts into a switched-out memtable;
 * 2. every pending insert is settled: by its reply, or rejected when its worker fails
 * or the pool closes. Yields: only the awaiting members; the pool's methods are
 * synchronous.
 */
import type { Worker } from "node:worker_threads"
import type { WriteBatch } from "@writepath/batch"
import type { WriteStatus } from "@writepath/core-queue"
import { type MemTable, spawnModuleWorker } from "@writepath/memtable"
import type { PoolReply, PoolRequest } from "./insertPoolProtocol.ts"

interface Pending {
  readonly batch: WriteBatch
  readonly sequence: number
  readonly resolve: (s: WriteStatus) => void
}

interface PoolWorker {
  readonly worker: Worker
  readonly inflight: Map<number, { readonly resolvers: ReadonlyArray<(s: WriteStatus) => void> }>
  queued: Pending[]
  failure: Error | undefined
}

export class MemTableInsertFailed extends Error {
  readonly tag: string
  constructor(tag: string, message: string) {
    super(message)
    this.tag = tag
  }
}

export class InsertPool {
  private readonly workers: PoolWorker[]
  private readonly memIds = new WeakMap<MemTable, number>()
  private nextMemId = 1
  private nextRequest = 1
  private rotation = 0
  private flushScheduled = false
  private closed = false
  private currentMem: MemTable | undefined

  private constructor(workers: Worker[]) {
    this.workers = workers.map((worker) => {
      const pw: PoolWorker = { worker, inflight: new Map(), queued: [], failure: undefined }
      worker.on("message", (reply: PoolReply) => {
        const req = pw.inflight.get(reply.id)
        if (req === undefined) return
        pw.inflight.delete(reply.id)
        reply.outcomes.forEach((o, i) => {
          req.resolvers[i]!(o === null ? undefined : new MemTableInsertFailed(o.tag, o.message))
        })
      })
      const fail = (e: unknown): void => {
        pw.failure = e instanceof Error ? e : new Error(String(e))
        for (const r of pw.inflight.values()) for (const resolve of r.resolvers) resolve(pw.failure)
        pw.inflight.clear()
      }
      worker.on("error", fail)
      worker.on("exit", (code) => fail(new Error(`memtable insert worker exited with code ${code}`)))
      // Idle workers must not keep the process alive; pending inserts ref them (see insert).
      worker.unref()
      return pw
    })
  }

  /** Starts `size` workers and waits until each is ready. */
  static async start(size: number): Promise<InsertPool> {
    const url = new URL(`./insertPoolWorker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url)
    const workers = await Promise.all(
      Array.from({ length: size }, async () => {
        const w = spawnModuleWorker(url, undefined)
        await new Promise<void>((resolve, reject) => {
          w.once("error", reject)
          w.once("message", () => {
            w.off("error", reject)
            resolve()
          })
        })
        return w
      }),
    )
    return new InsertPool(workers)
  }

  get size(): number {
    return this.workers.length
  }

  /**
   * Inserts `batch` at `sequence` into `mem`, on this thread when `onThisThread` (or on
   * its turn in the rotation), else on a worker. Errors are returned, never thrown.
   */
  insert(mem: MemTable, batch: WriteBatch, sequence: number, onThisThread: boolean): WriteStatus | Promise<WriteStatus> {
    const slot = this.rotation++ % (this.workers.length + 1)
    if (onThisThread || slot === 0 || this.closed) {
      try {
        mem.insertBatchConcurrently(batch, sequence)
        return undefined
      } catch (e) {
        return e instanceof Error ? e : new Error(String(e))
      }
    }
    const pw = this.workers[slot - 1]!
    if (pw.failure !== undefined) return pw.failure
    if (this.currentMem !== mem) {
      // A switch happened: everything queued targets the old memtable; send it first.
      this.flush()
      this.currentMem = mem
    }
    return new Promise<WriteStatus>((resolve) => {
      pw.queued.push({ batch, sequence, resolve })
      if (!this.flushScheduled) {
        this.flushScheduled = true
        queueMicrotask(() => this.flush())
      }
    })
  }

  private flush(): void {
    this.flushScheduled = false
    const mem = this.currentMem
    if (mem === undefined) return
    let memId = this.memIds.get(mem)
    if (memId === undefined) {
      memId = this.nextMemId++
      this.memIds.set(mem, memId)
    }
    for (const pw of this.workers) {
      if (pw.queued.length === 0) continue
      const queued = pw.queued
      pw.queued = []
      let bytes = 0
      for (const p of queued) bytes += p.batch.byteSize
      // Pack exactly the batch bytes: posting a view would clone its whole (slab) buffer.
      const data = new Uint8Array(bytes)
      const offsets = [0]
      let o = 0
      for (const p of queued) {
        data.set(p.batch.data, o)
        o += p.batch.byteSize
        offsets.push(o)
      }
      const id = this.nextRequest++
      pw.inflight.set(id, {
        resolvers: queued.map((p) => (s: WriteStatus) => {
          if (pw.inflight.size === 0) pw.worker.unref()
          p.resolve(s)
        }),
      })
      pw.worker.ref()
      const req: PoolRequest = { id, memId, handle: mem.handle, data, offsets, sequences: queued.map((p) => p.sequence) }
      pw.worker.postMessage(req, [data.buffer])
    }
  }

  async close(): Promise<void> {
    this.closed = true
    this.flush()
    await Promise.all(this.workers.map((pw) => pw.worker.terminate()))
  }
}
