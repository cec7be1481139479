/**
 * The writer's bytes against golden files computed from the format description alone by
 * fixtures/make_golden.py (bitwise CRC32C, explicit packing and padding): FULL records, an
 * empty record, zero padding of a 3-byte block tail, and an empty FIRST fragment in the
 * last header slot of a block, for legacy and recyclable headers.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { bytesSource, kBlockSize, LogReader, LogWriter, RecordType } from "../src/index.ts"
import { memoryWritable } from "./walFixtures.ts"

type Payload = string | { byte: string; length: number }
const meta = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures/golden.json"), "utf8")) as Record<
  string,
  { recyclable: boolean; logNumber: number; payloads: Payload[] }
>

const decode = (p: Payload): Uint8Array =>
  typeof p === "string" ? Uint8Array.from(Buffer.from(p, "hex")) : new Uint8Array(p.length).fill(Number.parseInt(p.byte, 16))

describe.each(Object.entries(meta))("%s", (name, m) => {
  const golden = new Uint8Array(fs.readFileSync(path.join(__dirname, `fixtures/${name}.log`)))
  const payloads = m.payloads.map(decode)

  it("LogWriter produces the golden bytes exactly", () => {
    const file = memoryWritable()
    const w = new LogWriter(file, { logNumber: m.logNumber, recycleLogFiles: m.recyclable })
    for (const p of payloads) w.addRecord(p)
    const out = file.bytes()
    expect(out.length).toBe(golden.length)
    const firstDiff = out.findIndex((b, i) => b !== golden[i])
    expect(firstDiff).toBe(-1)
  })

  it("has the layout the format prescribes", () => {
    const hs = m.recyclable ? 11 : 7
    // 3 zero bytes end block 0; block 1 ends with an empty FIRST fragment.
    expect([...golden.subarray(kBlockSize - 3, kBlockSize)]).toEqual([0, 0, 0])
    const emptyFirst = 2 * kBlockSize - hs
    expect(golden[emptyFirst + 4]).toBe(0)
    expect(golden[emptyFirst + 5]).toBe(0)
    expect(golden[emptyFirst + 6]).toBe(m.recyclable ? RecordType.kRecyclableFirstType : RecordType.kFirstType)
    expect(golden[2 * kBlockSize + 6]).toBe(m.recyclable ? RecordType.kRecyclableLastType : RecordType.kLastType)
  })

  it("LogReader returns every payload with its offset and fragment types", () => {
    const r = new LogReader(bytesSource(golden), { logNumber: m.logNumber, recoveryMode: "absolute-consistency" })
    const got: Uint8Array[] = []
    const frags: number[][] = []
    for (let rec = r.readRecord(); rec; rec = r.readRecord()) {
      got.push(rec.data)
      frags.push([...rec.fragments])
    }
    expect(got.length).toBe(payloads.length)
    expect(got.map((g, i) => Buffer.compare(g, payloads[i]!))).toEqual(payloads.map(() => 0))
    const base = m.recyclable ? 4 : 0
    expect(frags[5]).toEqual([RecordType.kFirstType + base, RecordType.kLastType + base])
    expect(r.drops).toEqual([])
  })
})
