/**
 * SyncThread: one dedicated worker thread that runs fdatasync/fsync for the node:fs
 * LogFile layer's `syncOn: "thread"` mode, signalled through a SharedArrayBuffer instead
 * of a libuv thread-pool job per sync (THREADS.md: the futex hand-off is ~15 us one way,
 * the worker's fdatasync is synchronous, and nothing else queues in front of it).
 *
 * Protocol (Int32 words of `ctl`, each hot word on its own 64-byte line):
 *   REQ     request counter, written by the owner thread only
 *   DONE    completion counter, written by the worker only
 *   OP, FILE, RESULT, PATH_LEN, then the path and the error code as bytes
 * The owner writes OP/FILE (and the path) with plain stores, then `Atomics.store(REQ)` +
 * `notify`; the worker `Atomics.wait`s on REQ, runs the request, writes RESULT (and the
 * error code bytes), then `Atomics.store(DONE, req)` + `notify`; the owner awaits
 * `Atomics.waitAsync(DONE)`. Each store-then-load pair is on the same word, so the plain
 * bytes written before it are visible after it (THREADS.md §2, safe publication).
 *
 * Owns: the worker, the control block, the queue of requests not yet sent, and (in the
 * worker) one descriptor per registered file, opened by path: Deno gives every thread its
 * own fd table, so a descriptor number cannot cross threads (THREADS.md §3).
 * Invariants:
 *  1. At most one request is in flight; requests run in the order they were queued, so a
 *     file's OPEN precedes its syncs and its CLOSE follows them.
 *  2. REQ and DONE only grow (no ABA): the owner waits for DONE to leave `req - 1`.
 *  3. The worker is ref'd exactly while a request is in flight: `waitAsync` alone does not
 *     keep Node's or Deno's event loop alive, and an idle worker must not keep it alive.
 *  4. The worker opens a file's descriptor when the file is registered, before any write
 *     through the owner's descriptor, so an fdatasync on it reports every writeback error
 *     of the file (Linux errseq: errors after a descriptor's open are reported to it).
 *  5. After the worker fails or exits unasked, every queued and later request rejects.
 *  6. The worker lives while files are registered: releasing the last one queues a STOP,
 *     after which the worker exits on its own, so a service never leaks a thread; the
 *     next registration starts a new one.
 * Yields: `sync` returns a Promise; nothing else waits.
 */
import { Worker } from "node:worker_threads"
import { IOError } from "../WalError.ts"

const REQ = 0
const DONE = 16
const OP = 32
const FILE = 33
const RESULT = 34
const PATH_LEN = 35
const CODE_AT = 160 // bytes: error code, RESULT bytes long
const PATH_AT = 256 // bytes: the path of an OPEN, PATH_LEN bytes long
const CTL_BYTES = 64 * 1024

const OP_OPEN = 1
const OP_DATASYNC = 2
const OP_FSYNC = 3
const OP_CLOSE = 4
const OP_STOP = 5

export type SyncKind = "fdatasync" | "fsync"

/** `Atomics.waitAsync` (ES2024; present in Node >= 16, Bun and Deno), typed here: the project's lib predates it. */
type WaitAsyncResult =
  | { readonly async: false; readonly value: "not-equal" | "timed-out" }
  | { readonly async: true; readonly value: Promise<string> }
const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, index: number, value: number) => WaitAsyncResult }).waitAsync.bind(
  Atomics,
)

// The worker is a plain CommonJS script (`eval`): it runs unchanged on Node, Bun and Deno
// and needs no loader for TypeScript.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads")
const fs = require("node:fs")
const ctl = new Int32Array(workerData.ctl)
const bytes = new Uint8Array(workerData.ctl)
const fds = new Map()
const dec = new TextDecoder()
let seen = workerData.seen
for (;;) {
  Atomics.wait(ctl, ${REQ}, seen)
  const req = Atomics.load(ctl, ${REQ})
  if (req === seen) continue
  seen = req
  const op = ctl[${OP}], file = ctl[${FILE}]
  let code = ""
  try {
    if (op === ${OP_OPEN}) {
      // A failed open is kept as its error code and reported by the file's syncs.
      const path = dec.decode(bytes.slice(${PATH_AT}, ${PATH_AT} + ctl[${PATH_LEN}]))
      try { fds.set(file, fs.openSync(path, "r")) } catch (e) { fds.set(file, String((e && e.code) || "EIO")) }
    } else if (op === ${OP_CLOSE}) {
      const fd = fds.get(file)
      fds.delete(file)
      if (typeof fd === "number") fs.closeSync(fd)
    } else {
      const fd = fds.get(file)
      if (fd === undefined) code = "EBADF"
      else if (typeof fd === "string") code = fd
      else if (op === ${OP_DATASYNC}) fs.fdatasyncSync(fd)
      else fs.fsyncSync(fd)
    }
  } catch (e) {
    code = String((e && e.code) || "EIO").slice(0, 90)
  }
  for (let i = 0; i < code.length; i++) bytes[${CODE_AT} + i] = code.charCodeAt(i)
  ctl[${RESULT}] = code.length
  Atomics.store(ctl, ${DONE}, req)
  Atomics.notify(ctl, ${DONE})
  if (op === ${OP_STOP}) break
}
`

interface Request {
  readonly op: number
  readonly file: number
  readonly path: string
  readonly settle: ((code: string, detail: string) => void) | undefined
}

export class SyncThread {
  private readonly ctl: Int32Array
  private readonly bytes: Uint8Array
  private readonly queue: Request[] = []
  private worker: Worker | undefined
  private failure: string | undefined // the detail of invariant 5's rejections
  private req = 0
  private inFlight: Request | undefined
  private nextFile = 1
  private registered = 0
  private lastStop: Promise<void> = Promise.resolve()
  private readonly encoder = new TextEncoder()

  constructor() {
    const sab = new SharedArrayBuffer(CTL_BYTES)
    this.ctl = new Int32Array(sab)
    this.bytes = new Uint8Array(sab)
  }

  /** Registers a file: the worker opens its own descriptor on it (invariant 4). Returns its id. */
  register(path: string): number {
    const file = this.nextFile++
    this.registered++
    this.enqueue({ op: OP_OPEN, file, path, settle: undefined })
    return file
  }

  /** Closes the worker's descriptor of `file` once the requests queued before have run. */
  release(file: number): void {
    this.enqueue({ op: OP_CLOSE, file, path: "", settle: undefined })
    if (--this.registered === 0) {
      this.lastStop = new Promise((resolve) => this.enqueue({ op: OP_STOP, file: 0, path: "", settle: () => resolve() }))
    }
  }

  /** Whether a worker is running now. */
  get running(): boolean {
    return this.worker !== undefined
  }

  /** Settles once the last STOP queued so far has run (at once if none was). */
  stopped(): Promise<void> {
    return this.lastStop
  }

  /** fdatasync/fsync of `file` on the worker; rejects with IOError naming `path`. */
  sync(file: number, kind: SyncKind, path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.enqueue({
        op: kind === "fdatasync" ? OP_DATASYNC : OP_FSYNC,
        file,
        path,
        settle: (code, detail) => (code === "" ? resolve() : reject(new IOError({ operation: kind, path, code, detail }))),
      })
    })
  }

  private enqueue(r: Request): void {
    if (this.failure !== undefined) {
      r.settle?.("EIO", this.failure)
      return
    }
    this.queue.push(r)
    if (this.inFlight === undefined) this.pump()
  }

  private start(): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { ctl: this.ctl.buffer, seen: this.req } })
    // Events of a worker that was asked to stop (invariant 6) are not failures.
    w.on("error", (e) => this.worker === w && this.fail(`the sync thread failed: ${String(e)}`))
    w.on("exit", (code) => this.worker === w && this.fail(`the sync thread exited (code ${code})`))
    this.worker = w
    return w
  }

  private pump(): void {
    const r = this.queue.shift()
    if (r === undefined) {
      this.worker?.unref()
      return
    }
    const w = this.worker ?? this.start()
    w.ref()
    this.inFlight = r
    const ctl = this.ctl
    ctl[OP] = r.op
    ctl[FILE] = r.file
    if (r.op === OP_OPEN) {
      const { written } = this.encoder.encodeInto(r.path, this.bytes.subarray(PATH_AT))
      ctl[PATH_LEN] = written
    }
    const req = ++this.req
    Atomics.store(ctl, REQ, req)
    Atomics.notify(ctl, REQ)
    const wait = waitAsync(ctl, DONE, req - 1)
    if (wait.async) wait.value.then(() => this.complete(r))
    else queueMicrotask(() => this.complete(r))
  }

  private complete(r: Request): void {
    if (this.inFlight !== r) return // failed meanwhile: already settled
    // The waiter may wake spuriously ("timed-out" never happens: no timeout) or on DONE's change.
    if (Atomics.load(this.ctl, DONE) !== this.req) {
      const wait = waitAsync(this.ctl, DONE, this.req - 1)
      if (wait.async) wait.value.then(() => this.complete(r))
      else queueMicrotask(() => this.complete(r))
      return
    }
    const n = this.ctl[RESULT]!
    let code = ""
    for (let i = 0; i < n; i++) code += String.fromCharCode(this.bytes[CODE_AT + i]!)
    this.inFlight = undefined
    if (r.op === OP_STOP) {
      this.worker?.unref()
      this.worker = undefined
    }
    r.settle?.(code, "on the sync thread")
    this.pump()
  }

  /** Invariant 5: the worker is gone; nothing it had or would get can complete. */
  private fail(detail: string): void {
    if (this.failure !== undefined) return
    this.failure = detail
    const pending = this.inFlight === undefined ? this.queue.splice(0) : [this.inFlight, ...this.queue.splice(0)]
    this.inFlight = undefined
    for (const r of pending) r.settle?.("EIO", detail)
  }
}
