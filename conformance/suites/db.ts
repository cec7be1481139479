import * as fs from "node:fs"
import * as path from "node:path"
import { open } from "@writepath/db"
import { STRATEGIES } from "@writepath/strategies"
import { assert, assertEqual, type Suite } from "../harness.ts"

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b))

/** The engine's Promise API on this runtime, once per strategy: writes, reads, recovery, 2PC, flush and compaction. */
export const dbSuite: Suite = (env) => [
  ...STRATEGIES.map((strategy) => ({
    name: `${strategy}: put/get/batch/iterate, close and recover, a prepared transaction survives`,
    run: async () => {
      const dir = path.join(env.tmpDir, `db-${strategy}`)
      fs.mkdirSync(dir, { recursive: true })
      const options = { path: dir, strategy, ...(strategy === "concurrent-memtable" ? { concurrentMemtableWorkers: 1 } : {}) }
      let db = await open(options)
      await Promise.all(Array.from({ length: 32 }, (_, i) => db.put(`k${String(i).padStart(2, "0")}`, `v${i}`, { sync: i % 4 === 0 })))
      await db.write(db.batch().put("batch-a", "1").delete("k00"))
      const t = db.beginTransaction({ name: "pending", writeOptions: { sync: true } })
      t.put("txn", "value")
      await t.prepare()
      assertEqual(text(await db.get("k01")), "v1", "get")
      assertEqual(await db.get("k00"), undefined, "deleted in batch")
      const keys: string[] = []
      for await (const [k] of db.iterator({ gte: "k30" })) keys.push(new TextDecoder().decode(k))
      assertEqual(keys, ["k30", "k31"], "iterator")
      // Recovery resumes after every sequence the WAL holds, the prepare's included.
      const seq = db.stats().lastAllocatedSequence
      await db.close()
      db = await open(options)
      assertEqual(db.stats().lastSequence, seq, "recovered sequence")
      assertEqual(text(await db.get("batch-a")), "1", "recovered batch")
      const prepared = db.getPreparedTransactions()
      assertEqual(
        prepared.map((p) => p.name),
        ["pending"],
        "prepared after reopen",
      )
      await prepared[0]!.commit()
      assertEqual(text(await db.get("txn")), "value", "committed after recovery")
      assert(db.stats().groups > 0, "groups counted")
      await db.close()
    },
  })),
  {
    name: "flush and compaction: tables written and read back, WALs deleted, reopen from the MANIFEST",
    run: async () => {
      const dir = path.join(env.tmpDir, "db-flush")
      fs.mkdirSync(dir, { recursive: true })
      const options = { path: dir, writeBufferSize: 64 * 1024, level0FileNumCompactionTrigger: 2 }
      let db = await open(options)
      for (let i = 0; i < 3000; i++) await db.put(`k${String(i % 1000).padStart(4, "0")}`, `v${i}-${"x".repeat(60)}`)
      await db.deleteRange("k0100", "k0200")
      await db.compactRange()
      const s = db.stats()
      assert(s.flushes > 2 && s.compactions > 0, `flushes ${s.flushes}, compactions ${s.compactions}`)
      assertEqual(s.levelFiles[0], 0, "level 0 empty after compactRange")
      assertEqual(s.liveWals.length, 1, "obsolete WALs deleted")
      await db.close()
      db = await open(options)
      assertEqual(text(await db.get("k0999"))?.slice(0, 6), "v2999-", "newest version from a table")
      assertEqual(await db.get("k0150"), undefined, "range-deleted key")
      let n = 0
      for await (const _ of db.iterator()) n++
      assertEqual(n, 900, "keys after the range delete")
      await db.close()
    },
  },
]
