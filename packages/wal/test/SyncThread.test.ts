/**
 * The node:fs layer's dedicated sync thread (`syncOn: "thread"`): real files, a real
 * worker thread and real fdatasync. Requests run in order, failures come back as typed
 * IOErrors naming the file, and an idle thread does not keep the process alive
 * (checked by the conformance runs, which exit after using it).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { IOError, makeNode } from "../src/index.ts"
import { SyncThread } from "../src/internal/syncThread.ts"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wal-sync-thread-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe("syncOn: thread", () => {
  it("appends and fdatasyncs several files through one thread, in request order", async () => {
    const lf = makeNode({ syncOn: "thread" })
    const files = [0, 1, 2].map((i) => lf.openWritable(path.join(dir, `f${i}.log`)))
    const order: string[] = []
    const syncs: Promise<void>[] = []
    for (let round = 0; round < 20; round++) {
      for (const [i, f] of files.entries()) {
        f.append(new Uint8Array(100).fill(round), 0, 100)
        syncs.push((round % 2 === 0 ? f.datasync() : f.fsync()).then(() => void order.push(`${round}:${i}`)))
      }
    }
    await Promise.all(syncs)
    expect(order).toEqual(Array.from({ length: 60 }, (_, k) => `${Math.floor(k / 3)}:${k % 3}`))
    for (const [i, f] of files.entries()) {
      expect(fs.statSync(path.join(dir, `f${i}.log`)).size).toBe(2000)
      f.close()
    }
  })

  it("a sync of a file the thread could not open rejects with that open's error", async () => {
    const t = new SyncThread()
    const missing = t.register(path.join(dir, "no-such-folder", "x.log"))
    const e = await t.sync(missing, "fdatasync", "x.log").then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(e).toBeInstanceOf(IOError)
    expect(e).toMatchObject({ operation: "fdatasync", path: "x.log", code: "ENOENT" })
  })

  it("a sync after the file was released rejects with EBADF; the thread keeps serving others", async () => {
    const t = new SyncThread()
    const p = path.join(dir, "released.log")
    fs.writeFileSync(p, "x")
    const a = t.register(p)
    const b = t.register(p)
    t.release(a)
    await expect(t.sync(a, "fsync", p)).rejects.toMatchObject({ _tag: "IOError", code: "EBADF" })
    await expect(t.sync(b, "fdatasync", p)).resolves.toBeUndefined()
  })

  it("the worker stops once no file is registered and starts again for the next one", async () => {
    const t = new SyncThread()
    const p = path.join(dir, "restart.log")
    fs.writeFileSync(p, "x")
    const a = t.register(p)
    await t.sync(a, "fdatasync", p)
    expect(t.running).toBe(true)
    t.release(a)
    await t.stopped()
    expect(t.running).toBe(false)
    const b = t.register(p)
    await expect(t.sync(b, "fdatasync", p)).resolves.toBeUndefined()
    expect(t.running).toBe(true)
    t.release(b)
    await t.stopped()
    expect(t.running).toBe(false)
  })

  it("a closed handle rejects without reaching the thread", async () => {
    const f = makeNode({ syncOn: "thread" }).openWritable(path.join(dir, "closed.log"))
    f.close()
    await expect(f.datasync()).rejects.toMatchObject({ _tag: "IOError", code: "EBADF" })
  })
})
