import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { STRATEGIES } from "@writepath/strategies"
import { afterEach, describe, expect, it } from "vitest"
import { open } from "../src/index.ts"

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

describe.each(STRATEGIES)("memtable switches under concurrent writers: %s", (strategy) => {
  it("64 writers filling 64 KiB memtables: groups always fit the arena, every write readable, recovered", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-switch-"))
    dirs.push(dir)
    const options = {
      path: dir,
      strategy,
      writeBufferSize: 64 * 1024,
      maxWriteBufferNumber: 64,
      ...(strategy === "concurrent-memtable" ? { concurrentMemtableWorkers: 1 } : {}),
    }
    const db = await open(options)
    const value = "v".repeat(900)
    await Promise.all(
      Array.from({ length: 64 }, async (_, w) => {
        for (let i = 0; i < 12; i++) await db.put(`w${w}-${i}`, `${value}${w}-${i}`, { sync: i % 4 === 0 })
      }),
    )
    const during = db.stats()
    expect(during.memtableSwitches).toBeGreaterThan(5)
    // Every switch left one immutable memtable, and each flush took exactly one away.
    expect(during.immutableMemtables + during.flushes).toBe(during.memtableSwitches)
    await db.flush()
    const s = db.stats()
    expect(s.immutableMemtables).toBe(0)
    expect(s.flushes).toBe(s.memtableSwitches)
    expect(s.liveWals).toHaveLength(1)
    expect(s.lastSequence).toBe(64 * 12)
    for (let w = 0; w < 64; w += 7) expect(new TextDecoder().decode(await db.get(`w${w}-11`))).toBe(`${value}${w}-11`)
    await db.close()
    const again = await open(options)
    let n = 0
    for await (const _ of again.iterator()) n++
    expect(n).toBe(64 * 12)
    await again.close()
  })
})
