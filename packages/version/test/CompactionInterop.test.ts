/**
 * Compacted folders and the real LevelDB (classic-level 3): level-0 tables flushed by writepath
 * (puts, overwrites, deletes, a range delete materialized as point Deletes) are compacted over
 * several levels with small sizes (the last table left in level 0); LevelDB then opens the
 * folder, reads every key's latest value, iterates in order, and, after compacting everything
 * itself, still reads the same.
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { recoverVersionSet, VersionSet } from "../src/index.ts"
import { checkLevelsDisjoint, compactUntilDone, flushOps, type Op, TableCache } from "./support/compaction.ts"

const require = createRequire(import.meta.url)

interface Level {
  open(): Promise<void>
  close(): Promise<void>
  get(k: string): Promise<string | undefined>
  compactRange(start: string, end: string): Promise<void>
  iterator(): AsyncIterable<[string, string]>
}
const classicLevel = (dir: string, options: object = {}): Level => {
  const { ClassicLevel } = require("classic-level") as { ClassicLevel: new (d: string, o: object) => Level }
  return new ClassicLevel(dir, options)
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), "wp-compact-interop-"))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
const k = (i: number): string => `key${String(i).padStart(5, "0")}`

describe("LevelDB opens a folder compacted by writepath", () => {
  it("reads every key's latest value after multi-level compactions", async () => {
    const dir = path.join(root, "compacted")
    const vs = await VersionSet.create(dir)
    const cache = new TableCache(dir)
    const model = new Map<string, string>()
    const universe = Array.from({ length: 3000 }, (_, i) => k(i))
    // Sizes are of the Snappy-compressed tables (the default), well below the raw entries.
    const options = {
      level0FileNumCompactionTrigger: 3,
      maxBytesForLevelBase: 12_000,
      maxBytesForLevelMultiplier: 3,
      targetFileSizeBase: 2_500,
    }
    let seq = 0
    let seed = 7
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff
      return seed % n
    }
    const levelsUsed = new Set<number>()
    for (let round = 0; round < 30; round++) {
      const ops: Op[] = []
      for (let j = 0; j < 400; j++) {
        const key = k(rand(3000))
        seq++
        if (rand(5) === 0) {
          ops.push({ key, sequence: seq, type: 0, value: "" })
          model.delete(key)
        } else {
          const value = `${key}-${seq}-${"p".repeat(rand(60))}`
          ops.push({ key, sequence: seq, type: 1, value })
          model.set(key, value)
        }
      }
      if (round === 12) {
        seq++
        ops.push({ key: k(1000), sequence: seq, type: 0x0f, value: k(1400) })
        for (const key of [...model.keys()]) if (key >= k(1000) && key < k(1400)) model.delete(key)
      }
      await flushOps(vs, ops, { universe })
      if (round === 29) break // the last table stays in level 0, over the compacted levels
      await compactUntilDone(vs, cache, options, {}, (r) => {
        checkLevelsDisjoint(r.state)
        for (const f of r.newFiles) levelsUsed.add(f.level)
      })
    }
    cache.closeAll()
    await vs.close()
    expect(Math.max(...levelsUsed)).toBeGreaterThanOrEqual(3)
    const live = recoverVersionSet(dir).files
    expect(live[0]!.length).toBeGreaterThan(0)
    expect(live.slice(1).flat().length).toBeGreaterThan(5)

    const db = classicLevel(dir)
    await db.open()
    try {
      const readAll = async () => {
        for (const key of universe) expect([key, await db.get(key).catch(() => undefined)]).toEqual([key, model.get(key)])
        const got: Array<[string, string]> = []
        for await (const [key, value] of db.iterator()) got.push([key, value])
        expect(got).toEqual([...model.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      }
      await readAll()
      await db.compactRange(k(0), k(99999))
      await readAll()
    } finally {
      await db.close()
    }
  }, 60_000)
})
