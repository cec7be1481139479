/** Messages between `InsertWorker` and its worker thread (structured-cloneable). */

export interface InsertRequest {
  readonly id: number
  readonly batches: ReadonlyArray<{ readonly data: Uint8Array; readonly firstSeq?: number }>
  readonly concurrent: boolean
  /** Int32Array(2) over a SharedArrayBuffer: the worker adds 1 to gate[1], then waits until gate[0] !== 0. */
  readonly gate?: Int32Array
}

/** Result of one batch: the sequence after it, or the error's tag and message. */
export type InsertOutcome =
  | { readonly ok: true; readonly nextSeq: number }
  | { readonly ok: false; readonly tag: string; readonly message: string; readonly recordsApplied?: number }

export interface InsertReply {
  readonly id: number
  readonly outcomes: ReadonlyArray<InsertOutcome>
  /** Wall-clock ms (performance.timeOrigin based) around the inserts, after the gate opened. */
  readonly startedAt: number
  readonly endedAt: number
  /** CPU time this worker thread spent in the window (Linux only; 10 ms resolution). */
  readonly cpuMs?: number
}
