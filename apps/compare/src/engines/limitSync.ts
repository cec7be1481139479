/**
 * `limit-sync`: the ceiling for sync writes on this file system. No engine: each write's
 * key and value are appended as they come (no encoding, no CRC), and writes are grouped
 * perfectly: as soon as all `writers` writers are waiting, their records go out in one
 * writeSync and one fdatasync, which is what an ideal group commit would do. A smaller
 * tail group (fewer writers left) is flushed on the next macrotask.
 *
 * No-sync runs do the same without the fdatasync: the cost of one write(2) per group.
 */
import { Buffer } from "node:buffer"
import * as fs from "node:fs"
import { join } from "node:path"
import type { Engine, EngineHandle } from "../Engine.ts"

interface Pending {
  readonly key: Uint8Array
  readonly value: Uint8Array
  readonly resolve: () => void
  readonly reject: (e: unknown) => void
}

const fdatasync = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())))

export const limitSync: Engine = {
  name: "limit-sync",
  strategy: null,
  kind: "limit",
  supportsReads: false,
  probe: async () => null,
  async open(dir, { sync, writers }): Promise<EngineHandle> {
    const fd = fs.openSync(join(dir, "limit.log"), "a")
    let pending: Pending[] = []
    let inFlight = false
    let scheduled = false
    let groups = 0
    let grouped = 0
    let syncs = 0

    const flush = async (): Promise<void> => {
      scheduled = false
      if (inFlight || pending.length === 0) return
      const group = pending
      pending = []
      inFlight = true
      try {
        const parts: Uint8Array[] = []
        for (const p of group) parts.push(p.key, p.value)
        fs.writeSync(fd, Buffer.concat(parts))
        if (sync) {
          await fdatasync(fd)
          syncs++
        }
        groups++
        grouped += group.length
        for (const p of group) p.resolve()
      } catch (e) {
        for (const p of group) p.reject(e)
      } finally {
        inFlight = false
      }
      // Writers resolved above re-enter put() in microtasks, so a full group flushes from there.
      if (pending.length > 0) schedule()
    }
    const schedule = (): void => {
      if (scheduled) return
      scheduled = true
      setImmediate(flush)
    }

    return {
      put(key, value) {
        return new Promise<void>((resolve, reject) => {
          pending.push({ key, value, resolve, reject })
          if (pending.length >= writers && !inFlight) void flush()
          else schedule()
        })
      },
      stats: () => ({ groups, meanGroupSize: groups === 0 ? 0 : grouped / groups, walSyncs: syncs }),
      async close() {
        while (inFlight || pending.length > 0) await new Promise((r) => setImmediate(r))
        fs.closeSync(fd)
      },
    }
  },
}
