/**
 * A worker thread that attaches a MemTable and inserts batches into it: the
 * "parallel memtable writer" of the concurrent-memtable strategy, and what the
 * tests and the conformance suite use to insert from a real second thread.
 *
 * The worker side is just the public API: `MemTable.attach(handle)` then
 * `insertBatchConcurrently(batch, firstSeq)`; this class only spawns the thread
 * and carries batches and outcomes over messages.
 *
 * Runtimes: the worker file sits next to this module, with this module's own
 * extension (.ts when running from source, .js when built). Bun and Deno run .ts
 * natively. Node 20 needs a loader for .ts, and `execArgv: ["--import", "tsx"]` does
 * not reach a worker's entry module there (measured: ERR_UNKNOWN_FILE_EXTENSION), so
 * from source on Node the worker starts from a two-line bootstrap that registers
 * tsx's ESM hooks in the worker and then imports the entry (tsx is a dev dependency:
 * running from source is a dev setup; the built package runs .js).
 * While a reply is pending the Worker keeps the event loop alive, which Deno needs
 * for cross-thread waits (DESIGN.md 3).
 */
import type { Worker } from "node:worker_threads"
import { Effect, type Scope } from "effect"
import type { InsertReply, InsertRequest } from "./internal/insertProtocol.ts"
import type { MemTableHandle } from "./MemTable.ts"
import { spawnModuleWorker } from "./spawnModuleWorker.ts"

export type { InsertOutcome, InsertReply } from "./internal/insertProtocol.ts"

export interface InsertWorkerOptions {
  /** Height seed of the worker's attached MemTable (default: derived from the attach count). */
  readonly seed?: number
}

export interface InsertOptions {
  /** insertBatchConcurrently (default) or insertBatch (then the caller guarantees a single writer). */
  readonly concurrent?: boolean
  /** A `StartGate`'s array: the worker checks in, then starts once the gate opens. */
  readonly gate?: Int32Array
}

type WaitAsync = (
  a: Int32Array,
  index: number,
  value: number,
) => { readonly async: false; readonly value: string } | { readonly async: true; readonly value: Promise<string> }
/** ES2024 `Atomics.waitAsync` (Node 16+, Bun, Deno); the workspace's lib is ES2023. */
const waitAsync: WaitAsync = (a, index, value) => (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync(a, index, value)

/**
 * Releases several workers' inserts at the same instant (a test and benchmark aid):
 * pass `gate.array` to each `insert`, then `await gate.open(n)`.
 */
export class StartGate {
  readonly array = new Int32Array(new SharedArrayBuffer(8))

  /**
   * Waits, without blocking this thread, until `parties` workers have checked in, then
   * opens the gate. A referenced timer is kept while waiting: on Deno a pending
   * Atomics.waitAsync alone neither keeps the process alive nor always resolves.
   */
  async open(parties: number): Promise<void> {
    const keepAlive = setInterval(() => {}, 1000)
    try {
      for (;;) {
        const arrived = Atomics.load(this.array, 1)
        if (arrived >= parties) break
        const r = waitAsync(this.array, 1, arrived)
        if (r.async) await r.value
      }
    } finally {
      clearInterval(keepAlive)
    }
    Atomics.store(this.array, 0, 1)
    Atomics.notify(this.array, 0)
  }
}

const workerUrl = (): URL => {
  const self = import.meta.url
  const ext = self.endsWith(".ts") ? ".ts" : ".js"
  return new URL(`./internal/insertWorker${ext}`, self)
}

const newWorker = (workerData: unknown): Worker => spawnModuleWorker(workerUrl(), workerData)

export class InsertWorker {
  private readonly worker: Worker
  private readonly pending = new Map<number, { resolve: (r: InsertReply) => void; reject: (e: unknown) => void }>()
  private nextId = 1
  private failure: unknown

  private constructor(worker: Worker) {
    this.worker = worker
    worker.on("message", (msg: InsertReply) => {
      const p = this.pending.get(msg.id)
      if (p === undefined) return
      this.pending.delete(msg.id)
      p.resolve(msg)
    })
    const fail = (e: unknown): void => {
      this.failure = e
      for (const p of this.pending.values()) p.reject(e)
      this.pending.clear()
    }
    worker.on("error", fail)
    worker.on("exit", (code) => fail(new Error(`insert worker exited with code ${code}`)))
  }

  /** Starts a worker thread and waits until it has attached the memtable. */
  static spawn(handle: MemTableHandle, options: InsertWorkerOptions = {}): Promise<InsertWorker> {
    const worker = newWorker({ handle, ...(options.seed === undefined ? {} : { seed: options.seed }) })
    return new Promise((resolve, reject) => {
      const onError = (e: unknown): void => reject(e)
      const onExit = (code: number): void => reject(new Error(`insert worker exited with code ${code} before attaching`))
      worker.once("error", onError)
      worker.once("exit", onExit)
      worker.once("message", () => {
        worker.off("error", onError)
        worker.off("exit", onExit)
        resolve(new InsertWorker(worker))
      })
    })
  }

  /** Effect face: a worker released (terminated) with its scope. */
  static scoped(handle: MemTableHandle, options: InsertWorkerOptions = {}): Effect.Effect<InsertWorker, never, Scope.Scope> {
    return Effect.acquireRelease(
      Effect.promise(() => InsertWorker.spawn(handle, options)),
      (w) => Effect.promise(() => w.terminate()),
    )
  }

  /**
   * Inserts the batches in order on the worker thread; resolves with one outcome per
   * batch (errors are outcomes, tagged as the MemTableError they were). Batch bytes
   * are copied to the worker.
   */
  insert(
    batches: ReadonlyArray<{ readonly data: Uint8Array; readonly firstSeq?: number }>,
    options: InsertOptions = {},
  ): Promise<InsertReply> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    const id = this.nextId++
    const req: InsertRequest = {
      id,
      batches,
      concurrent: options.concurrent ?? true,
      ...(options.gate === undefined ? {} : { gate: options.gate }),
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.worker.postMessage(req)
    })
  }

  /** Stops the thread. Pending inserts are rejected. */
  async terminate(): Promise<void> {
    this.failure ??= new Error("insert worker terminated")
    await this.worker.terminate()
  }
}
