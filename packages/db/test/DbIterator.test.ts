import { ValueType } from "@writepath/batch"
import { MemTable } from "@writepath/memtable"
import { describe, expect, it } from "vitest"
import { DbIterator } from "../src/internal/DbIterator.ts"

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const dec = (b: Uint8Array): string => new TextDecoder().decode(b)
const all = (it: DbIterator): string[] => {
  const out: string[] = []
  for (let e = it.next(); e !== undefined; e = it.next()) out.push(`${dec(e[0])}=${dec(e[1])}`)
  return out
}

describe("DbIterator over keys with many versions (the skip-by-seek past 8 steps)", () => {
  // Two memtables, as after a switch: key "b" has 40 versions in the old one and 30 in the new one.
  const old = MemTable.make({ writeBufferSize: 1 << 20 })
  const cur = MemTable.make({ writeBufferSize: 1 << 20 })
  let seq = 0
  old.add(++seq, ValueType.kTypeValue, enc("a"), enc("a1"))
  for (let i = 0; i < 40; i++) old.add(++seq, ValueType.kTypeValue, enc("b"), enc(`old${i}`))
  const afterOld = seq
  old.add(++seq, ValueType.kTypeValue, enc("c"), enc("c1"))
  for (let i = 0; i < 30; i++) cur.add(++seq, ValueType.kTypeValue, enc("b"), enc(`new${i}`))
  const beforeDelete = seq
  cur.add(++seq, ValueType.kTypeDeletion, enc("b"), new Uint8Array(0))
  cur.add(++seq, ValueType.kTypeValue, enc("d"), enc("d1"))
  const mems = [cur, old]

  it("forward: the newest visible version of each key, at every snapshot", () => {
    expect(all(new DbIterator(mems, seq, {}))).toEqual(["a=a1", "c=c1", "d=d1"])
    expect(all(new DbIterator(mems, beforeDelete, {}))).toEqual(["a=a1", "b=new29", "c=c1"])
    expect(all(new DbIterator(mems, afterOld, {}))).toEqual(["a=a1", "b=old39"])
    expect(all(new DbIterator(mems, 12, {}))).toEqual(["a=a1", "b=old10"])
  })

  it("reverse and bounded walks agree with forward ones", () => {
    expect(all(new DbIterator(mems, beforeDelete, { reverse: true }))).toEqual(["c=c1", "b=new29", "a=a1"])
    expect(all(new DbIterator(mems, beforeDelete, { gt: enc("a"), lt: enc("c") }))).toEqual(["b=new29"])
    expect(all(new DbIterator(mems, afterOld, { gte: enc("b"), reverse: true }))).toEqual(["b=old39"])
  })
})
