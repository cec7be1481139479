/**
 * A fault-injecting LogFile layer: wraps another LogFile service (node:fs or memory) and
 * makes chosen calls fail the way an OS does: EIO on write, ENOSPC, a short write (some
 * bytes land, then the error), EIO on fdatasync/fsync, EIO on read, failed opens; and
 * (`makeFaultyFsyncDir`) a failed folder fsync.
 *
 * Owns: the rule list and call counters of one FaultInjector.
 * Invariants:
 *  1. A rule fires only on calls that match its op and path, after skipping `after` matches,
 *     at most `times` times; every firing is recorded in `fired`.
 *  2. A failed sync leaves the inner file untouched (the data it covered is NOT made
 *     durable), so a test can tell a sync that really happened from one that was reported.
 * Synchronous bookkeeping; syncs yield only where the inner layer does.
 */
import { IOError, LogFile, type LogFileService, type ReadableLogFile, type WritableLogFile } from "@writepath/wal"
import { Effect, Layer } from "effect"

export type FaultOp = "append" | "datasync" | "fsync" | "read" | "openWritable" | "openReadable" | "fsyncDir"

export interface FaultRule {
  readonly op: FaultOp
  /** errno name of the failure; default EIO. */
  readonly code?: string
  /** Only for `append`: how many bytes land before the error (a short write). Default 0. */
  readonly partialBytes?: number
  /** Only calls on paths containing this string. */
  readonly path?: string
  /** Let this many matching calls through first. Default 0. */
  readonly after?: number
  /** Fire this many times, then stop. Default 1; Infinity for a permanent fault. */
  readonly times?: number
}

export interface FiredFault {
  readonly op: FaultOp
  readonly path: string
  readonly code: string
}

interface LiveRule {
  readonly rule: FaultRule
  skip: number
  left: number
}

export class FaultInjector {
  private rules: LiveRule[] = []
  /** Every call seen, by op. */
  readonly calls: Record<FaultOp, number> = { append: 0, datasync: 0, fsync: 0, read: 0, openWritable: 0, openReadable: 0, fsyncDir: 0 }
  /** Every fault that fired, in order. */
  readonly fired: FiredFault[] = []

  /** Adds a rule; returns this for chaining. */
  inject(rule: FaultRule): this {
    this.rules.push({ rule, skip: rule.after ?? 0, left: rule.times ?? 1 })
    return this
  }

  clear(): void {
    this.rules = []
  }

  /** The rule that fires for this call, if any (consumes one firing). */
  match(op: FaultOp, path: string): FaultRule | undefined {
    this.calls[op]++
    for (const r of this.rules) {
      if (r.rule.op !== op || r.left <= 0) continue
      if (r.rule.path !== undefined && !path.includes(r.rule.path)) continue
      if (r.skip > 0) {
        r.skip--
        continue
      }
      r.left--
      this.fired.push({ op, path, code: r.rule.code ?? "EIO" })
      return r.rule
    }
    return undefined
  }
}

const errorFor = (rule: FaultRule, operation: string, path: string): IOError =>
  new IOError({ operation, path, code: rule.code ?? "EIO", detail: `injected ${rule.code ?? "EIO"}` })

export const makeFaultyLogFile = (inner: LogFileService, faults: FaultInjector): LogFileService => {
  const wrapWritable = (w: WritableLogFile): WritableLogFile => ({
    path: w.path,
    append(data, start, end) {
      const rule = faults.match("append", w.path)
      if (rule) {
        const partial = Math.min(rule.partialBytes ?? 0, end - start)
        if (partial > 0) w.append(data, start, start + partial)
        throw errorFor(rule, "append", w.path)
      }
      w.append(data, start, end)
    },
    size: () => w.size(),
    datasync() {
      const rule = faults.match("datasync", w.path)
      return rule ? Promise.reject(errorFor(rule, "fdatasync", w.path)) : w.datasync()
    },
    fsync() {
      const rule = faults.match("fsync", w.path)
      return rule ? Promise.reject(errorFor(rule, "fsync", w.path)) : w.fsync()
    },
    close: () => w.close(),
  })

  const wrapReadable = (r: ReadableLogFile): ReadableLogFile => ({
    path: r.path,
    size: () => r.size(),
    read(position, into, offset, length) {
      const rule = faults.match("read", r.path)
      if (rule) throw errorFor(rule, "read", r.path)
      return r.read(position, into, offset, length)
    },
    close: () => r.close(),
  })

  return {
    openWritable(path, options) {
      const rule = faults.match("openWritable", path)
      if (rule) throw errorFor(rule, "open for write", path)
      return wrapWritable(inner.openWritable(path, options))
    },
    openReadable(path) {
      const rule = faults.match("openReadable", path)
      if (rule) throw errorFor(rule, "open for read", path)
      return wrapReadable(inner.openReadable(path))
    },
  }
}

/**
 * A folder fsync (the engine's `OpenWith.fsyncDir`) that fails as the rules say; on a
 * failure the inner sync is not called, so nothing was made durable.
 */
export const makeFaultyFsyncDir =
  (inner: (dir: string) => void, faults: FaultInjector): ((dir: string) => void) =>
  (dir) => {
    const rule = faults.match("fsyncDir", dir)
    if (rule) throw errorFor(rule, "fsync folder", dir)
    inner(dir)
  }

/** Wraps whatever LogFile the layer below provides: `layerFaultyLogFile(f).pipe(Layer.provide(layerNode()))`. */
export const layerFaultyLogFile = (faults: FaultInjector): Layer.Layer<LogFile, never, LogFile> =>
  Layer.effect(
    LogFile,
    Effect.map(LogFile, (inner) => makeFaultyLogFile(inner, faults)),
  )
