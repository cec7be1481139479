/**
 * Metamorphic test (Pebble's habit): one random stream of concurrent operations goes
 * through every strategy; reads after every round, reads at snapshots, and the state
 * recovered after reopen must be identical across strategies and equal the model.
 *
 * Within a round, operations run concurrently on disjoint keys (concurrent writes to one
 * key may legitimately be ordered differently by different group boundaries); a
 * deleteRange runs alone in its round.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { STRATEGIES } from "@writepath/strategies"
import { type ModelOp, ReferenceModel } from "@writepath/testkit"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Database, type OpenOptions, open } from "../src/index.ts"

type Op =
  | { readonly t: "put"; readonly key: string; readonly value: string; readonly sync: boolean }
  | { readonly t: "delete"; readonly key: string; readonly sync: boolean }
  | { readonly t: "batch"; readonly puts: ReadonlyArray<readonly [string, string]>; readonly del: string }
type Round =
  | { readonly t: "concurrent"; readonly ops: ReadonlyArray<Op> }
  | { readonly t: "range"; readonly start: string; readonly end: string }

const key = fc.integer({ min: 0, max: 40 }).map((i) => `k${String(i).padStart(2, "0")}`)
const value = fc.string({ minLength: 0, maxLength: 12 })
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant("put" as const), key, value, sync: fc.boolean() }),
  fc.record({ t: fc.constant("delete" as const), key, sync: fc.boolean() }),
  fc.record({ t: fc.constant("batch" as const), puts: fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }), del: key }),
)
const keysOf = (o: Op): string[] => (o.t === "batch" ? [...o.puts.map(([k]) => k), o.del] : [o.key])
const disjoint = (ops: ReadonlyArray<Op>): Op[] => {
  const seen = new Set<string>()
  const out: Op[] = []
  for (const o of ops) {
    const ks = keysOf(o)
    if (new Set(ks).size !== ks.length || ks.some((k) => seen.has(k))) continue
    for (const k of ks) seen.add(k)
    out.push(o)
  }
  return out
}
const round: fc.Arbitrary<Round> = fc.oneof(
  { weight: 5, arbitrary: fc.array(op, { minLength: 1, maxLength: 24 }).map((ops) => ({ t: "concurrent" as const, ops: disjoint(ops) })) },
  {
    weight: 1,
    arbitrary: fc.tuple(key, key).map(([a, b]) => {
      const [start, end] = [a, b].sort() as [string, string]
      return { t: "range" as const, start, end }
    }),
  },
)

const modelOps = (o: Op): ModelOp[] =>
  o.t === "put"
    ? [{ op: "put", key: o.key, value: o.value }]
    : o.t === "delete"
      ? [{ op: "delete", key: o.key }]
      : [...o.puts.map(([k, v]): ModelOp => ({ op: "put", key: k, value: v })), { op: "delete", key: o.del }]

const dec = new TextDecoder()
const dump = async (db: Database, snapshot?: ReturnType<Database["snapshot"]>): Promise<string[]> => {
  const out: string[] = []
  for await (const [k, v] of db.iterator(snapshot === undefined ? {} : { snapshot })) out.push(`${dec.decode(k)}=${dec.decode(v)}`)
  return out
}
const modelDump = (m: ReferenceModel, seq?: number): string[] =>
  m.entries({}, seq).map(([k, v]) => `${Buffer.from(k, "latin1").toString()}=${Buffer.from(v, "latin1").toString()}`)

const runStream = async (
  strategy: string,
  rounds: ReadonlyArray<Round>,
): Promise<{ perRound: string[][]; atSnapshots: string[][]; recovered: string[] }> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `writepath-meta-${strategy}-`))
  const extra = strategy === "concurrent-memtable" ? { concurrentMemtableWorkers: 1 } : {}
  try {
    const db = await open({ path: dir, strategy, ...extra } as OpenOptions)
    const perRound: string[][] = []
    const snapshots: Array<ReturnType<Database["snapshot"]>> = []
    for (const r of rounds) {
      if (r.t === "range") await db.deleteRange(r.start, r.end)
      else {
        await Promise.all(
          r.ops.map((o) => {
            if (o.t === "put") return db.put(o.key, o.value, { sync: o.sync })
            if (o.t === "delete") return db.delete(o.key, { sync: o.sync })
            const b = db.batch()
            for (const [k, v] of o.puts) b.put(k, v)
            b.delete(o.del)
            return db.write(b)
          }),
        )
      }
      perRound.push(await dump(db))
      snapshots.push(db.snapshot())
    }
    const atSnapshots: string[][] = []
    for (const s of snapshots) atSnapshots.push(await dump(db, s))
    await db.close()
    const again = await open({ path: dir, strategy, ...extra } as OpenOptions)
    const recovered = await dump(again)
    await again.close()
    return { perRound, atSnapshots, recovered }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

describe("metamorphic: every strategy, one operation stream", () => {
  it("identical reads per round, at snapshots and after recovery, equal to the model", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(round, { minLength: 1, maxLength: 8 }), async (rounds) => {
        const model = new ReferenceModel()
        const expectedPerRound: string[][] = []
        for (const r of rounds) {
          if (r.t === "range") model.apply([{ op: "deleteRange", start: r.start, end: r.end }])
          else for (const o of r.ops) model.apply(modelOps(o))
          expectedPerRound.push(modelDump(model))
        }
        const results = []
        for (const s of STRATEGIES) results.push(await runStream(s, rounds))
        for (const r of results) {
          expect(r.perRound).toEqual(expectedPerRound)
          expect(r.atSnapshots).toEqual(expectedPerRound)
          expect(r.recovered).toEqual(expectedPerRound.at(-1))
        }
      }),
      { numRuns: 6, seed: 20261124 },
    )
  }, 300_000)
})
