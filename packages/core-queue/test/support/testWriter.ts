import type { WriteBatch } from "@writepath/batch"
import { type WriteCallback, Writer, type WriterOptions } from "../../src/index.ts"

/** A writer with an id, so a test can name who went where in a queue or a group. */
export class TestWriter extends Writer {
  readonly id: number
  constructor(id: number, batch: WriteBatch | undefined, options?: WriterOptions, callback?: WriteCallback) {
    super(batch, options, callback)
    this.id = id
  }
}

/**
 * Let every pending microtask (and every continuation they schedule) run: a macrotask
 * boundary, so the queue is drained deterministically (no timer, no sleep).
 */
export const flush = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve)
  })
