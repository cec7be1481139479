import { WriteBatch } from "@writepath/batch"
import { DEFAULT_WRITE_OPTIONS } from "@writepath/strategies"
import { describe, expect, it } from "vitest"
import { RecoveryInserter, type RecoveryTarget } from "../src/internal/RecoveryInserter.ts"
import { Transaction } from "../src/Transaction.ts"

const s = (b: Uint8Array): string => new TextDecoder().decode(b)

const recorder = () => {
  const log: string[] = []
  const target: RecoveryTarget = {
    put: (k, v, seq) => void log.push(`put ${s(k)}=${s(v)}@${seq}`),
    delete: (k, seq) => void log.push(`del ${s(k)}@${seq}`),
    singleDelete: (k, seq) => void log.push(`sdel ${s(k)}@${seq}`),
    deleteRange: (a, b, seq) => void log.push(`range ${s(a)}-${s(b)}@${seq}`),
    merge: (k, v, seq) => void log.push(`merge ${s(k)}=${s(v)}@${seq}`),
  }
  return { log, target }
}

/** The batches a transaction hands to the write path, as the WAL would store them (WAL-only prefix). */
const walImage = async (f: (t: Transaction) => Promise<void>, name = "x"): Promise<Uint8Array[]> => {
  const out: Uint8Array[] = []
  const wal = (b: WriteBatch): void => {
    const w = new WriteBatch()
    WriteBatch.append(w, b, true)
    w.sequence = b.sequence
    out.push(w.data.slice())
  }
  const t = Transaction.begin(
    name,
    { writeWalOnly: async (b) => wal(b), write: async (b) => wal(b), release: () => undefined },
    DEFAULT_WRITE_OPTIONS,
  )
  await f(t)
  return out
}

describe("RecoveryInserter (WriteCommitted 2PC recovery)", () => {
  it("plain batches are inserted with one sequence per counted record", () => {
    const { log, target } = recorder()
    const r = new RecoveryInserter(target, 1)
    const b = new WriteBatch().put("a", "1").putLogData("x").delete("b").deleteRange("c", "d")
    b.sequence = 10
    r.replay(b.data, 5)
    expect(log).toEqual(["put a=1@10", "del b@11", "range c-d@12"])
    expect(r.lastSequence).toBe(12)
  })

  it("a prepare is rebuilt, not inserted; its commit inserts it at the commit's sequence", async () => {
    const [prepare, commit] = await walImage(async (t) => {
      t.put("k1", "v1")
      t.delete("k2")
      await t.prepare()
      await t.commit()
    })
    const { log, target } = recorder()
    const r = new RecoveryInserter(target, 1)
    const p = WriteBatch.fromBytes(prepare!)
    p.sequence = 3
    r.replay(p.data, 7)
    expect(log).toEqual([])
    expect(r.lastSequence).toBe(4) // the prepare's two records consumed 3 and 4
    expect([...r.prepared.keys()]).toEqual(["x"])
    expect(r.prepared.get("x")!.walNumber).toBe(7)
    const c = WriteBatch.fromBytes(commit!)
    expect(c.count).toBe(0) // only the Commit marker reached the WAL
    c.sequence = 5
    r.replay(c.data, 8)
    expect(log).toEqual(["put k1=v1@5", "del k2@6"])
    expect(r.prepared.size).toBe(0)
    expect(r.lastSequence).toBe(6)
  })

  it("a rollback drops the prepared transaction; commit/rollback of unknown xids are ignored", async () => {
    const [prepare, rollback] = await walImage(async (t) => {
      t.put("k", "v")
      await t.prepare()
      await t.rollback()
    })
    const { log, target } = recorder()
    const r = new RecoveryInserter(target, 1)
    r.replay(prepare!, 1)
    expect(r.prepared.size).toBe(1)
    r.replay(rollback!, 1)
    expect(r.prepared.size).toBe(0)
    r.replay(new WriteBatch().markCommit("nobody").data, 1)
    expect(log).toEqual([])
  })

  it("prepared transactions left at the end are reported with their data", async () => {
    const [prepare] = await walImage(async (t) => {
      t.put("a", "1")
      await t.prepare()
    }, "pending")
    const { target } = recorder()
    const r = new RecoveryInserter(target, 1)
    r.replay(prepare!, 3)
    const t = r.prepared.get("pending")!
    expect([...t.batch.records()].map((x) => x.op)).toEqual(["BeginPrepare", "Put", "EndPrepare"])
  })
})

describe("Transaction state machine", () => {
  it("refuses operations in the wrong state and keeps state after a failed write", async () => {
    let fail = true
    const writer = {
      writeWalOnly: async () => {
        if (fail) throw new Error("EIO")
      },
      write: async () => undefined,
      release: () => undefined,
    }
    const t = Transaction.begin("t", writer, DEFAULT_WRITE_OPTIONS)
    t.put("a", "b")
    await expect(t.prepare()).rejects.toThrow("EIO")
    expect(t.state).toBe("started")
    fail = false
    await t.prepare()
    expect(t.state).toBe("prepared")
    expect(() => t.put("c", "d")).toThrow("cannot put in state prepared")
    await t.commit()
    expect(t.state).toBe("committed")
    await expect(t.rollback()).rejects.toMatchObject({ _tag: "InvalidArgument" })
  })
})
