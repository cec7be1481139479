/**
 * flushToLevel0's rules: SingleDelete becomes Delete, Merge is refused (nothing recorded, no
 * file left), snapshots drop invisible versions, an empty memtable only moves the log number,
 * and building yields to the event loop.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { MemTable } from "@writepath/memtable"
import { Table } from "@writepath/table"
import { afterAll, describe, expect, it } from "vitest"
import { flushToLevel0, recoverVersionSet, tableFileName, VersionInvalidArgument, VersionSet } from "../src/index.ts"

const root = fs.mkdtempSync(path.join(os.tmpdir(), "wp-flush-"))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
let n = 0
const te = new TextEncoder()
const entriesOf = (dir: string, number: number): string[] => {
  const t = Table.open(tableFileName(dir, number))
  const out = [...t.newIterator()].map((e) => `${new TextDecoder().decode(e.key)}@${e.sequence}:${e.type}`)
  t.close()
  return out
}

describe("flushToLevel0", () => {
  it("writes SingleDelete as Delete and keeps every version without snapshots", async () => {
    const dir = path.join(root, `f${++n}`)
    const vs = await VersionSet.create(dir)
    const m = MemTable.make()
    m.add(1, 1, te.encode("a"), te.encode("1"))
    m.add(2, 1, te.encode("a"), te.encode("2"))
    m.add(3, 7, te.encode("b"), new Uint8Array(0))
    const r = await flushToLevel0(vs, m.newIterator(), { logNumber: vs.newFileNumber() })
    await vs.close()
    expect(entriesOf(dir, r.file!.number)).toEqual(["a@2:1", "a@1:1", "b@3:0"])
  })

  it("with snapshots keeps only the newest version per snapshot stripe", async () => {
    const dir = path.join(root, `f${++n}`)
    const vs = await VersionSet.create(dir)
    const m = MemTable.make()
    for (let s = 1; s <= 6; s++) m.add(s, 1, te.encode("k"), te.encode(`v${s}`))
    const r = await flushToLevel0(vs, m.newIterator(), { logNumber: vs.newFileNumber(), snapshots: [4, 2] })
    await vs.close()
    // Stripes: (.., 2] -> 2, (2, 4] -> 4, (4, ..) -> 6.
    expect(entriesOf(dir, r.file!.number)).toEqual(["k@6:1", "k@4:1", "k@2:1"])
  })

  it("refuses Merge entries: nothing recorded, no table left", async () => {
    const dir = path.join(root, `f${++n}`)
    const vs = await VersionSet.create(dir)
    const m = MemTable.make()
    m.add(1, 2, te.encode("m"), te.encode("+1"))
    await expect(flushToLevel0(vs, m.newIterator(), { logNumber: vs.newFileNumber() })).rejects.toBeInstanceOf(VersionInvalidArgument)
    await vs.close()
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".ldb"))).toEqual([])
    expect(recoverVersionSet(dir).files[0]).toEqual([])
  })

  it("an empty memtable writes no table but records the new log number", async () => {
    const dir = path.join(root, `f${++n}`)
    const vs = await VersionSet.create(dir)
    const log = vs.newFileNumber()
    const r = await flushToLevel0(vs, MemTable.make().newIterator(), { logNumber: log, lastSequence: 42 })
    await vs.close()
    expect(r.file).toBeUndefined()
    const rec = recoverVersionSet(dir)
    expect([rec.logNumber, rec.lastSequence]).toEqual([log, 42])
  })

  it("yields to the event loop while building a large table", async () => {
    const dir = path.join(root, `f${++n}`)
    const vs = await VersionSet.create(dir)
    const m = MemTable.make({ writeBufferSize: 32 << 20 })
    for (let i = 0; i < 60_000; i++) m.add(i + 1, 1, te.encode(`key${String(i).padStart(8, "0")}`), new Uint8Array(100))
    let ticks = 0
    const timer = setInterval(() => ticks++, 1)
    const r = await flushToLevel0(vs, m.newIterator(), { logNumber: vs.newFileNumber(), yieldEveryMs: 2 })
    clearInterval(timer)
    await vs.close()
    expect(r.properties?.numEntries).toBe(60_000)
    expect(ticks).toBeGreaterThan(0)
  })
})
