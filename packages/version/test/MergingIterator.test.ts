/**
 * MergingIterator and LevelIterator (internal): random tables merged give exactly the sorted
 * union in internal-key order (user key ascending, sequence descending); a level's files are
 * walked in order, skipping files without point entries.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Table, TableBuilder } from "@writepath/table"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { compareInternalKeys, makeInternalKey, sequenceOf, typeOf } from "../src/internal/internalKey.ts"
import { LevelIterator, MergingIterator } from "../src/internal/mergingIterator.ts"

const root = fs.mkdtempSync(path.join(os.tmpdir(), "wp-merge-"))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
let n = 0
const te = new TextEncoder()
const td = new TextDecoder()

/** A table of the given internal keys (sorted here), value = "seq". */
const tableOf = async (keys: ReadonlyArray<Uint8Array>, tombstone = false): Promise<Table> => {
  const p = path.join(root, `${++n}.ldb`)
  const b = TableBuilder.create(p, { blockSize: 64 })
  for (const k of [...keys].sort(compareInternalKeys)) b.add(k, te.encode(String(sequenceOf(k))))
  if (tombstone) b.addRangeTombstone(te.encode("a"), te.encode("b"), 1)
  await b.finish()
  return Table.open(p)
}

const drain = (it: MergingIterator): string[] => {
  const out: string[] = []
  for (it.seekToFirst(); it.valid(); it.next()) {
    const k = it.internalKey()
    out.push(`${td.decode(k.subarray(0, k.length - 8))}@${sequenceOf(k)}:${typeOf(k)}=${td.decode(it.value())}`)
  }
  return out
}
const show = (k: Uint8Array): string => `${td.decode(k.subarray(0, k.length - 8))}@${sequenceOf(k)}:${typeOf(k)}=${sequenceOf(k)}`

describe("MergingIterator", () => {
  it("yields the sorted union of its children", async () => {
    const entry = fc.record({ key: fc.integer({ min: 0, max: 30 }), type: fc.constantFrom(0, 1) })
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(entry, { maxLength: 40 }), { minLength: 1, maxLength: 5 }), async (tables) => {
        let seq = 0
        const keysPerTable = tables.map((t) =>
          t.map((e) => makeInternalKey(te.encode(`k${String(e.key).padStart(2, "0")}`), ++seq, e.type)),
        )
        const opened = await Promise.all(keysPerTable.map((keys) => tableOf(keys)))
        try {
          const merged = drain(new MergingIterator(opened.map((t) => t.newIterator())))
          expect(merged).toEqual(keysPerTable.flat().sort(compareInternalKeys).map(show))
        } finally {
          for (const t of opened) t.close()
        }
      }),
      { numRuns: 30 },
    )
  })

  it("walks a level's files in order as one child, skipping a file with no point entries", async () => {
    const k = (s: string, seq: number) => makeInternalKey(te.encode(s), seq, 1)
    const level = [await tableOf([k("a", 1), k("b", 2)]), await tableOf([], true), await tableOf([k("c", 3), k("d", 4)])]
    const l0 = await tableOf([k("b", 9), k("c", 8)])
    const merged = drain(new MergingIterator([l0.newIterator(), new LevelIterator(level)]))
    expect(merged).toEqual(["a@1:1=1", "b@9:1=9", "b@2:1=2", "c@8:1=8", "c@3:1=3", "d@4:1=4"])
    for (const t of [...level, l0]) t.close()
  })
})
