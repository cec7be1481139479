/**
 * Pebble's commit_test idea: many concurrent writers through the protocol with a fake WAL
 * and memtable, no database. The WAL append resolves on the next microtask, so writers pile
 * up behind every leader and groups form; everything else is deterministic.
 */
import { WriteBatch } from "@writepath/batch"
import { describe, expect, it } from "vitest"
import type { WriteStatus } from "../src/index.ts"
import { makeEnv, RecordingMemtable, RecordingWal, TestWriter, write } from "./support/driver.ts"

const N = 10_000

const modes = [
  { name: "classic, serial memtable insert", options: {} },
  { name: "classic, parallel memtable writers", options: { allowConcurrentMemtableWrite: true } },
  { name: "pipelined", options: { enablePipelinedWrite: true } },
  { name: "pipelined, parallel memtable writers", options: { enablePipelinedWrite: true, allowConcurrentMemtableWrite: true } },
] as const

describe(`${N} concurrent writers through a fake WAL and memtable`, () => {
  for (const mode of modes) {
    it(mode.name, async () => {
      const wal = new RecordingWal()
      wal.hook = () => Promise.resolve<WriteStatus>(undefined)
      const mem = new RecordingMemtable()
      const env = makeEnv({ ...mode.options, wal, mem })
      const ws = Array.from(
        { length: N },
        (_, i) =>
          new TestWriter(i, new WriteBatch().put(`key${i}`, "v"), {
            sync: i % 7 === 0,
            noSlowdown: i % 11 === 0,
          }),
      )
      const statuses = await Promise.all(ws.map((w) => write(env, w)))

      expect(statuses.every((s) => s === undefined)).toBe(true)
      expect(env.seq.lastAllocated).toBe(N)
      expect(env.seq.lastPublished).toBe(N)
      // Every writer got its own sequence, and every sequence 1..N went to the memtable once.
      expect(new Set(ws.map((w) => w.sequence)).size).toBe(N)
      expect(mem.inserts.map((i) => i.sequence).sort((a, b) => a - b)).toEqual(ws.map((_, i) => i + 1))
      // WAL records are contiguous in sequence order: WAL order = allocation order.
      let next = 1
      for (const r of wal.records) {
        expect(r.firstSequence).toBe(next)
        next += r.count
      }
      expect(next).toBe(N + 1)
      // Groups formed, and never mixed sync with non-sync leaders or noSlowdown with slowdown writers.
      expect(wal.records.length).toBeLessThan(N / 4)
      for (const r of wal.records) {
        const members = r.writers.map((id) => ws[id]!)
        expect(new Set(members.map((w) => w.noSlowdown)).size).toBe(1)
        if (!members[0]!.sync) expect(members.some((w) => w.sync)).toBe(false)
      }
      expect(env.wt.stats.groupsFormed).toBe(wal.records.length)
      expect(env.wt.newestWriter.newest).toBeUndefined()
      expect(env.wt.newestMemtableWriter.newest).toBeUndefined()
    })
  }
})
