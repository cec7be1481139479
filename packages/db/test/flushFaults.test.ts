/**
 * Faults below the write path: an fsync that fails while a flush writes its table, or while
 * it appends its MANIFEST record. Injected by wrapping node:fs (fault injection: the table and
 * MANIFEST writers use node:fs directly), for files whose name matches. Expected, as RocksDB:
 * the failure becomes the background error (later writes and db.flush() get ReadOnlyError
 * carrying the IOError), reads keep serving every acknowledged write, the failed fsync is not
 * retried, and a reopen recovers every acknowledged write from the WALs.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { open } from "../src/index.ts"
import { type FsFaults, fsFaults } from "./support/fsFaults.ts"

const dirs: string[] = []
let installed: FsFaults | undefined
afterEach(() => {
  installed?.restore()
  installed = undefined
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
const td = new TextDecoder()

describe("faults in flush", () => {
  it.each([
    ["the table's fsync", /\.ldb$/],
    ["the MANIFEST record's fsync", /MANIFEST-\d+$/],
  ])("EIO on %s: read-only with the IOError, every acknowledged write readable and recovered, no retry", async (_what, target) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-flushfault-"))
    dirs.push(dir)
    const options = { path: dir, writeBufferSize: 64 * 1024 }
    const fault = fsFaults(target)
    installed = fault
    const db = await open(options)
    const acked: string[] = []
    for (let i = 0; i < 200; i++) {
      await db.put(`a${i}`, `v${i}`, { sync: i % 10 === 0 })
      acked.push(`a${i}`)
    }
    fault.arm("fsync")
    // Enough to fill the memtable: the switch schedules the flush that meets the fault.
    let failedWith: unknown
    for (let i = 0; i < 2000 && failedWith === undefined; i++) {
      try {
        await db.put(`b${i}`, "x".repeat(200))
        acked.push(`b${i}`)
      } catch (e) {
        failedWith = e
      }
    }
    expect(fault.failures()).toBe(1)
    expect((failedWith as { _tag?: string })?._tag).toBe("ReadOnlyError")
    expect(String((failedWith as { cause?: { message?: string } }).cause?.message)).toContain("EIO")
    await expect(db.flush()).rejects.toMatchObject({ _tag: "ReadOnlyError" })
    for (const k of acked) expect(await db.get(k)).toBeDefined()
    expect(fault.failures()).toBe(1) // never retried: every fsync attempted while armed fails and counts
    await db.close()
    fault.restore()
    installed = undefined

    const again = await open(options)
    for (const k of acked) expect(await again.get(k)).toBeDefined()
    expect(td.decode((await again.get("a199"))!)).toBe("v199")
    await again.put("after", "fault", { sync: true })
    await again.flush()
    await again.close()
  })
})
