import * as fs from "node:fs"
import * as path from "node:path"
import { MemTable } from "../../packages/memtable/src/index.ts"
import { BloomFilter, Table, TableBuilder, TableCorruption } from "../../packages/table/src/index.ts"
import { flushToLevel0, recoverVersionSet, tableFileName, VersionSet } from "../../packages/version/src/index.ts"
import { assert, assertEqual, type Suite } from "../harness.ts"

const te = new TextEncoder()
const td = new TextDecoder()
const key = (i: number): Uint8Array => te.encode(`key${String(i).padStart(6, "0")}`)

/**
 * LevelDB tables, MANIFEST and CURRENT on this runtime: node:fs positional writes, fsync of the
 * table, the MANIFEST and the folder, rename of CURRENT, positional reads, CRC checks.
 */
export const tableSuite: Suite = (env) => [
  {
    name: "LevelDB's hash matches util/hash_test.cc",
    run: () => {
      assertEqual(BloomFilter.hash(Uint8Array.of(0xe1, 0x80, 0xb9, 0x32), 0xbc9f1d34), 0xed21633a, "hash of 4 bytes")
    },
  },
  {
    name: `builds a table, fsyncs it and reads it back on ${env.runtime}`,
    run: async () => {
      const p = path.join(env.tmpDir, "table-000007.ldb")
      const b = TableBuilder.create(p)
      for (let i = 0; i < 3000; i++)
        b.addEntry(key(i), i + 1, i % 10 === 3 ? 0 : 1, i % 10 === 3 ? new Uint8Array(0) : te.encode(`value${i}`))
      const props = await b.finish()
      assertEqual(props.fileSize, fs.statSync(p).size, "file size")
      const t = Table.open(p)
      const r = t.get(key(1234))
      assert(r._tag === "Found" && td.decode(r.value) === "value1234", "found key1234")
      assertEqual(t.get(key(13))._tag, "Deleted", "deleted key")
      assertEqual(t.get(te.encode("nope"))._tag, "NotFound", "absent key")
      let n = 0
      for (const _ of t.newIterator()) n++
      assertEqual(n, 3000, "entries iterated")
      const it = t.newIterator()
      it.seekForPrev(key(2000))
      assertEqual(td.decode(it.key()), "key002000", "seekForPrev")
      it.prev()
      assertEqual(td.decode(it.key()), "key001999", "prev")
      t.close()
      const bytes = fs.readFileSync(p)
      bytes[50] = (bytes[50] ?? 0) ^ 1
      fs.writeFileSync(p, bytes)
      let caught: unknown
      try {
        const bad = Table.open(p)
        for (const _ of bad.newIterator()) {
          // read every block
        }
      } catch (e) {
        caught = e
      }
      assert(caught instanceof TableCorruption, "a flipped bit is a TableCorruption")
    },
  },
  {
    name: `flushes a memtable into a LevelDB folder (table, MANIFEST, CURRENT) and recovers it on ${env.runtime}`,
    run: async () => {
      const dir = path.join(env.tmpDir, "leveldb-folder")
      const vs = await VersionSet.create(dir)
      const m = MemTable.make()
      for (let i = 0; i < 500; i++) m.add(i + 1, 1, key(i), te.encode(`v${i}`))
      const r = await flushToLevel0(vs, m.newIterator(), { logNumber: vs.newFileNumber() })
      await vs.close()
      const rec = recoverVersionSet(dir)
      assertEqual(
        rec.files[0]?.map((f) => f.number),
        [r.file?.number],
        "live level-0 file",
      )
      assertEqual(rec.lastSequence, 500, "last sequence")
      assertEqual(fs.readFileSync(path.join(dir, "CURRENT"), "utf8"), "MANIFEST-000001\n", "CURRENT")
      const t = Table.open(tableFileName(dir, r.file?.number ?? 0))
      const got = t.get(key(499))
      assert(got._tag === "Found" && td.decode(got.value) === "v499", "found the last key")
      t.close()
    },
  },
]
