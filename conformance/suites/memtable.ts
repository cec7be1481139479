import { ValueType, WriteBatch } from "@writepath/batch"
// Relative: the workspace root does not list @writepath/memtable as a dependency (yet).
import { InsertWorker, MemTable, StartGate } from "@writepath/memtable"
import { assert, assertEqual, assertThrows, type Suite } from "../harness.ts"

const enc = new TextEncoder()
const dec = new TextDecoder()
const b = (s: string): Uint8Array => enc.encode(s)

/** Every visible entry as "key@seq:type". */
const entries = (m: MemTable, snapshot?: number): string[] =>
  [...m.newIterator(snapshot === undefined ? {} : { snapshot })].map((e) => `${dec.decode(e.key)}@${e.sequence}:${e.type}`)

export const memtableSuite: Suite = (env) => [
  {
    name: "inserts, gets at snapshots and iterates both ways",
    run: () => {
      const m = MemTable.make({ writeBufferSize: 1 << 20 })
      const wb = new WriteBatch().put("b", "1").put("a", "2").delete("b").deleteRange("x", "z").merge("c", "+")
      assertEqual(m.insertBatch(wb, 10), 15, "next sequence")
      m.add(20, ValueType.kTypeValue, b("y"), b("covered?"))
      assertEqual(entries(m), ["a@11:1", "b@12:0", "b@10:1", "c@14:2", "y@20:1"], "forward")
      const get = (k: string, snap?: number) => {
        const r = m.get(b(k), snap)
        return r._tag === "Found" ? `found ${dec.decode(r.value)}` : r._tag
      }
      assertEqual(
        [get("b"), get("b", 11), get("a", 10), get("c"), get("y"), get("x")],
        ["Deleted", "found 1", "NotFound", "MergeOperands", "found covered?", "Deleted"],
        "gets",
      )
      const it = m.newIterator({ snapshot: 12 })
      const back: string[] = []
      for (it.seekToLast(); it.valid(); it.prev()) back.push(`${dec.decode(it.key())}@${it.sequence}`)
      assertEqual(back, ["b@10", "b@12", "a@11"], "backward at snapshot 12")
      it.seek(b("b"))
      assertEqual(it.sequence, 12, "seek")
      assertEqual([m.numEntries, m.numDeletes, m.numRangeDeletes], [6, 1, 1], "counters")
      assertThrows(() => m.add(11, ValueType.kTypeValue, b("a"), b("dup")), "DuplicateEntry", "duplicate key+seq")
      m.checkInvariants()
    },
  },
  {
    name: `a ${env.runtime} worker thread attaches the memtable and inserts concurrently with this thread`,
    run: async () => {
      const m = MemTable.make({ writeBufferSize: 4 << 20 })
      const w = await InsertWorker.spawn(m.handle, { seed: 3 })
      try {
        const N = 2000
        const batches = Array.from({ length: N / 100 }, (_, j) => {
          const wb = new WriteBatch()
          for (let i = j * 100; i < (j + 1) * 100; i++) wb.put(`w${String(i).padStart(5, "0")}`, "from worker")
          return { data: wb.data.slice(), firstSeq: 1 + j * 100 }
        })
        const gate = new StartGate()
        const reply = w.insert(batches, { gate: gate.array })
        await gate.open(1)
        // This thread inserts its own keys at the same time, then reads until all are in.
        for (let i = 0; i < N; i++) m.addConcurrently(N + 1 + i, ValueType.kTypeValue, b(`m${String(i).padStart(5, "0")}`), b("from main"))
        const r = await reply
        assert(
          r.outcomes.every((o) => o.ok),
          `worker outcomes: ${JSON.stringify(r.outcomes.find((o) => !o.ok))}`,
        )
        assertEqual(m.numEntries, 2 * N, "entries")
        const all = entries(m)
        assertEqual(all.length, 2 * N, "iterated")
        assertEqual(all[0], "m00000@2001:1", "first")
        assertEqual(all[2 * N - 1], `w01999@${N}:1`, "last")
        const got = m.get(b("w01234"))
        assertEqual(got._tag === "Found" ? dec.decode(got.value) : got._tag, "from worker", "worker's value")
        assertEqual(m.checkInvariants().table[0], 2 * N, "level 0 count")
      } finally {
        await w.terminate()
      }
    },
  },
]
