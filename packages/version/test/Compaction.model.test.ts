/**
 * Model test: random put / delete / range-delete histories, flushed as level-0 tables in random
 * chunks with random live snapshots, compacted after every flush until pickCompaction has
 * nothing to do (small sizes force several levels, trivial moves and multi-output merges).
 * Afterwards, for every key and every live snapshot (and the latest state), the value read the
 * LevelDB way (level 0 newest file first, then one file per level) equals the model; after
 * every compaction no level >= 1 has overlapping files; every file that stopped being live
 * was reported obsolete exactly once, and no live file was.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { type CompactionOptions, VersionSet } from "../src/index.ts"
import { checkLevelsDisjoint, compactUntilDone, flushOps, type Op, readValue, TableCache } from "./support/compaction.ts"

const root = fs.mkdtempSync(path.join(os.tmpdir(), "wp-compact-model-"))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
let n = 0

const KEYS = 60
const key = (i: number): string => `k${String(i).padStart(3, "0")}`
const universe = Array.from({ length: KEYS }, (_, i) => key(i))
const options: CompactionOptions = {
  level0FileNumCompactionTrigger: 2,
  maxBytesForLevelBase: 800,
  maxBytesForLevelMultiplier: 2,
  targetFileSizeBase: 400,
}

const opArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("put" as const), a: fc.nat(KEYS - 1), len: fc.integer({ min: 1, max: 80 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("del" as const), a: fc.nat(KEYS - 1), len: fc.constant(0) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("range" as const), a: fc.nat(KEYS - 1), len: fc.integer({ min: 1, max: 6 }) }) },
)
const caseArb = fc.record({
  chunks: fc.array(fc.array(opArb, { minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 10 }),
  snapshotPicks: fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 4 }),
})

/** The model's answer: the newest op at or below `snapshot` that touches `k`. */
const visible = (ops: ReadonlyArray<Op>, k: string, snapshot: number): string | undefined => {
  let best: Op | undefined
  for (const o of ops) {
    if (o.sequence > snapshot || (best && best.sequence > o.sequence)) continue
    const touches = o.type === 0x0f ? o.key <= k && k < o.value : o.key === k
    if (touches) best = o
  }
  return best?.type === 1 ? best.value : undefined
}

describe("compaction against a model", () => {
  it("every key at every live snapshot reads as the model after compacting to quiescence", async () => {
    // What the runs reached, so the test shows it exercised deep levels, moves, cuts and drops.
    const reach = { deepestLevel: 0, trivialMoves: 0, multiOutput: 0, droppedVersions: 0, droppedTombstones: 0, rangePieces: 0 }
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ chunks, snapshotPicks }) => {
        const dir = path.join(root, `m${++n}`)
        const vs = await VersionSet.create(dir)
        const cache = new TableCache(dir)
        try {
          let seq = 0
          const chunkOps: Op[][] = chunks.map((chunk) =>
            chunk.map((o) => {
              seq++
              if (o.kind === "put") return { key: key(o.a), sequence: seq, type: 1, value: `${seq}:${"v".repeat(o.len)}` }
              if (o.kind === "del") return { key: key(o.a), sequence: seq, type: 0, value: "" }
              return { key: key(o.a), sequence: seq, type: 0x0f, value: key(Math.min(KEYS, o.a + o.len)) }
            }),
          )
          const all = chunkOps.flat()
          const snapshots = [...new Set(snapshotPicks.map((p) => Math.floor((p * seq) / 1000)))].sort((a, b) => a - b)
          const created = new Set<number>()
          const obsolete: number[] = []
          for (const ops of chunkOps) {
            const f = await flushOps(vs, ops, { snapshots, universe })
            if (f !== undefined) created.add(f)
            const results = await compactUntilDone(vs, cache, options, { snapshots, table: { blockSize: 128 } }, (r) => {
              checkLevelsDisjoint(r.state)
              for (const out of r.newFiles) if (!r.trivialMove) created.add(out.number)
              obsolete.push(...r.obsoleteFiles)
              if (r.trivialMove) reach.trivialMoves++
              if (r.newFiles.length > 1) reach.multiOutput++
              reach.deepestLevel = Math.max(reach.deepestLevel, r.newFiles[0]?.level ?? 0)
              reach.droppedVersions += r.stats.droppedVersions
              reach.droppedTombstones += r.stats.droppedTombstones
              reach.rangePieces += r.stats.rangeTombstonesOut
            })
            expect(results.every((r) => r.trivialMove || r.obsoleteFiles.length > 0)).toBe(true)
          }
          for (const k of universe) {
            for (const s of [...snapshots, Number.MAX_SAFE_INTEGER]) {
              expect({ k, s, v: readValue(vs.state, cache, k, s) }).toEqual({ k, s, v: visible(all, k, s) })
            }
          }
          const live = vs.state.files.flat().map((f) => f.number)
          expect(new Set(obsolete).size).toBe(obsolete.length)
          expect(live.filter((x) => obsolete.includes(x))).toEqual([])
          expect(new Set([...live, ...obsolete])).toEqual(created)
          const onDisk = fs.readdirSync(dir).filter((f) => f.endsWith(".ldb")).length
          expect(onDisk).toBe(live.length)
        } finally {
          cache.closeAll()
          await vs.close()
          fs.rmSync(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 100 },
    )
    expect(reach.deepestLevel).toBeGreaterThanOrEqual(3)
    for (const count of [reach.trivialMoves, reach.multiOutput, reach.droppedVersions, reach.droppedTombstones, reach.rangePieces]) {
      expect(count).toBeGreaterThan(0)
    }
  }, 120_000)
})
