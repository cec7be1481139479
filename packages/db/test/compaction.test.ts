/**
 * Compaction through the engine: automatic size-triggered compaction keeps level 0 short and
 * the data readable (also by the real LevelDB), manual compactRange honours live snapshots
 * and drops what no snapshot can see, and level-0 stop triggers hold writes until a
 * compaction releases them.
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type Database, open } from "../src/index.ts"

const require = createRequire(import.meta.url)
interface Level {
  open(): Promise<void>
  close(): Promise<void>
  iterator(): AsyncIterable<[string, string]>
}
const classicLevel = (dir: string): Level => {
  const { ClassicLevel } = require("classic-level") as { ClassicLevel: new (d: string, o: object) => Level }
  return new ClassicLevel(dir, { createIfMissing: false })
}

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
const fresh = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-compaction-"))
  dirs.push(d)
  return d
}
const td = new TextDecoder()
const key = (i: number): string => `k${String(i).padStart(6, "0")}`
const scan = async (db: Database, options: object = {}): Promise<Array<[string, string]>> => {
  const out: Array<[string, string]> = []
  for await (const [k, v] of db.iterator(options)) out.push([td.decode(k), td.decode(v)])
  return out
}
const sorted = (m: Map<string, string>): Array<[string, string]> => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
// Raw tables: the level shapes below are reasoned in bytes of raw entries (Snappy tables are
// covered by snappyInterop.test.ts).
const tiny = (dir: string) => ({
  path: dir,
  compression: "none" as const,
  writeBufferSize: 64 * 1024,
  level0FileNumCompactionTrigger: 2,
  targetFileSizeBase: 64 * 1024,
  maxBytesForLevelBase: 256 * 1024,
})

describe("automatic compaction", () => {
  it("keeps level 0 short, pushes data down several levels, and every key reads back (here, after reopen, and in LevelDB)", async () => {
    const dir = fresh()
    const db = await open({ ...tiny(dir), level0SlowdownWritesTrigger: 4, level0StopWritesTrigger: 6 })
    const model = new Map<string, string>()
    let maxL0 = 0
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 6000; i++) {
        const k = key((i * 7919 + round * 13) % 9000)
        const v = `r${round}-${i}-${"x".repeat(40)}`
        await db.put(k, v)
        model.set(k, v)
        if (i % 100 === 0) maxL0 = Math.max(maxL0, db.stats().levelFiles[0]!)
      }
      for (let i = round; i < 9000; i += 97) {
        await db.delete(key(i))
        model.delete(key(i))
      }
    }
    await db.flush()
    const s = db.stats()
    expect(s.compactions).toBeGreaterThan(3)
    // Writes stop at 6 level-0 files; at most the pending immutables (2) are flushed on top.
    expect(maxL0).toBeLessThanOrEqual(6 + 2)
    expect(s.levelFiles.slice(2).reduce((a, b) => a + b, 0)).toBeGreaterThan(0) // reached level 2 or deeper
    expect(await scan(db)).toEqual(sorted(model))
    await db.close()

    const again = await open(tiny(dir))
    expect(await scan(again, { reverse: true })).toEqual(sorted(model).reverse())
    await again.close()

    const level = classicLevel(dir)
    await level.open()
    const got = new Map<string, string>()
    for await (const [k, v] of level.iterator()) got.set(k, v)
    await level.close()
    expect(sorted(got)).toEqual(sorted(model))
  })
})

describe("compactRange", () => {
  it("keeps the versions a live snapshot sees, and drops them once it is released", async () => {
    const dir = fresh()
    const db = await open({ ...tiny(dir), disableAutoCompactions: true })
    for (let i = 0; i < 3000; i++) await db.put(key(i), `old-${i}`)
    await db.flush()
    const snap = db.snapshot()
    for (let i = 0; i < 3000; i++) await db.put(key(i), `new-${i}`)
    for (let i = 0; i < 3000; i += 2) await db.delete(key(i))
    await db.compactRange()
    const compacted = db.stats()
    expect(compacted.levelFiles[0]).toBe(0)
    const old = await scan(db, { snapshot: snap })
    expect(old).toHaveLength(3000)
    expect(old.every(([k, v]) => v === `old-${Number(k.slice(1))}`)).toBe(true)
    const now = await scan(db)
    expect(now).toHaveLength(1500)
    expect(now.every(([k, v]) => v === `new-${Number(k.slice(1))}`)).toBe(true)
    const withSnapshot = compacted.levelBytes.reduce((a, b) => a + b, 0)
    snap.release()
    await db.compactRange()
    const without = db.stats().levelBytes.reduce((a, b) => a + b, 0)
    // Old versions and the deletes (at the bottom, no snapshot) are gone: well under half the bytes.
    expect(without).toBeLessThan(withSnapshot / 2)
    expect(await scan(db)).toEqual(now)
    await db.close()
  })

  it("rejects bad bounds with InvalidArgument", async () => {
    const dir = fresh()
    const db = await open({ path: dir })
    await expect(db.compactRange({ gte: 5 as unknown as string })).rejects.toMatchObject({ _tag: "InvalidArgument" })
    await expect(db.compactRange({ from: "a" } as unknown as { gte: string })).rejects.toMatchObject({ _tag: "InvalidArgument" })
    await db.close()
  })
})

describe("level-0 write stalls", () => {
  it("writes stop at level0StopWritesTrigger (noSlowdown gets WriteStall) and resume when a compaction clears level 0", async () => {
    const dir = fresh()
    const db = await open({ ...tiny(dir), disableAutoCompactions: true, level0SlowdownWritesTrigger: 2, level0StopWritesTrigger: 3 })
    for (let f = 0; f < 3; f++) {
      await db.put(`f${f}`, "v")
      await db.flush()
    }
    expect(db.stats().levelFiles[0]).toBe(3)
    await expect(db.put("fast", "v", { noSlowdown: true })).rejects.toMatchObject({ _tag: "WriteStall" })
    const stallsBefore = db.stats().stalls
    let done = false
    const blocked = db.put("waits", "for compaction").then(() => {
      done = true
    })
    // Wait (by turns of the event loop, not time) until the writer is counted as stalled.
    while (db.stats().stalls === stallsBefore) await new Promise((r) => setImmediate(r))
    expect(done).toBe(false)
    await db.compactRange()
    await blocked
    expect(db.stats().levelFiles[0]).toBe(0)
    expect(td.decode((await db.get("waits"))!)).toBe("for compaction")
    await db.close()
  })
})
