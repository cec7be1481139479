/**
 * The crash loop writer's report channel: one line on a file descriptor (its stdout),
 * handed to the kernel before `reportLine` returns.
 *
 * Why not `process.stdout.write`: on a pipe or socket (the driver's stdout is a
 * socketpair) Node makes the descriptor non-blocking and, once the kernel buffer is full
 * (about 300 short lines while the driver is not reading, e.g. on a loaded machine),
 * queues the rest in the process's memory and returns at once. The writer then starts its
 * next operations, and the SIGKILL discards the queue: the driver never sees acks of
 * operations that are in the WAL, and the verifier calls the writers' state torn and the
 * in-flight prepared transactions "not in flight" (issue 8's intermittent "hole": the
 * recovered states were exact prefixes far beyond the acks the driver had read).
 *
 * A line written here is in the kernel's buffer when this returns, and that buffer
 * survives the writer's death: the driver reads it after the kill. So an operation that
 * starts after its predecessor's ack was reported can never be ahead of what the driver
 * knows by more than itself. The cost is that the writer blocks while the driver lags,
 * which is what the loop needs.
 */
import * as fs from "node:fs"

const parking = new Int32Array(new SharedArrayBuffer(4))

/** Writes `line` and a newline to `fd`; returns once every byte was accepted by the kernel. Throws on any error but EAGAIN. */
export const reportLine = (fd: number, line: string): void => {
  const bytes = Buffer.from(`${line}\n`)
  let done = 0
  while (done < bytes.length) {
    try {
      done += fs.writeSync(fd, bytes, done, bytes.length - done)
    } catch (e) {
      // The descriptor is blocking unless something in this process opened
      // process.stdout on it (Node then sets O_NONBLOCK): a full buffer is EAGAIN, and the
      // only correct move is to wait for the reader. A 1 ms park, not a busy loop, so the
      // driver gets the CPU it needs to read (2 shared cores).
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e
      Atomics.wait(parking, 0, 0, 1)
    }
  }
}
