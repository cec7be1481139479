/**
 * Crash tests: a child process writes and is killed with SIGKILL; the parent reopens
 * and checks what survived against what the child had acknowledged.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { STRATEGIES } from "@writepath/strategies"
import { afterEach, describe, expect, it } from "vitest"
import { open } from "../src/index.ts"

// Node with tsx's loader in-process (tsx's CLI would put a second process between us and the writer).
const tsxLoader = pathToFileURL(path.join(path.dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist/loader.mjs")).href
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/crashChild.ts")

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
const fresh = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-crash-"))
  dirs.push(d)
  return d
}
const str = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b))

const start = (
  dir: string,
  strategy: string,
  mode: string,
): { proc: ChildProcess; lines: string[]; waitFor: (pred: (lines: string[]) => boolean) => Promise<void> } => {
  const proc = spawn(process.execPath, ["--import", tsxLoader, child, dir, strategy, mode], { stdio: ["ignore", "pipe", "inherit"] })
  const lines: string[] = []
  let buf = ""
  const waiters: Array<() => void> = []
  proc.stdout!.on("data", (d: Buffer) => {
    buf += d.toString()
    const parts = buf.split("\n")
    buf = parts.pop()!
    lines.push(...parts)
    for (const w of waiters.splice(0)) w()
  })
  const waitFor = async (pred: (l: string[]) => boolean): Promise<void> => {
    while (!pred(lines)) {
      if (proc.exitCode !== null) throw new Error(`child exited with ${proc.exitCode} before the condition held`)
      await new Promise<void>((r) => waiters.push(r))
    }
  }
  return { proc, lines, waitFor }
}

const kill = (proc: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    proc.once("exit", () => resolve())
    proc.kill("SIGKILL")
  })

describe.each(STRATEGIES)("crash (SIGKILL) with %s", (strategy) => {
  it("2PC: prepared transactions are listed after the crash; commit makes them visible, rollback drops them", async () => {
    const dir = fresh()
    const seed = await open({ path: dir, strategy })
    await seed.put("base", "present", { sync: true })
    await seed.close()
    const c = start(dir, strategy, "txn")
    await c.waitFor((l) => l.includes("ready"))
    await kill(c.proc)

    const db = await open({ path: dir, strategy })
    const prepared = db.getPreparedTransactions()
    expect(prepared.map((t) => t.name).sort()).toEqual(["t1", "t2"])
    expect(str(await db.get("t3"))).toBe("committed")
    expect(await db.get("t1-a")).toBeUndefined() // prepared, not committed: invisible
    expect(str(await db.get("base"))).toBe("present")
    await prepared.find((t) => t.name === "t1")!.commit()
    await prepared.find((t) => t.name === "t2")!.rollback()
    expect([str(await db.get("t1-a")), str(await db.get("t1-b")), str(await db.get("base"))]).toEqual(["1", "2", "present"])
    expect(db.getPreparedTransactions()).toEqual([])
    await db.close()
  })

  it("every acknowledged sync write survives, no batch is partly visible, writes continue after reopen", async () => {
    const dir = fresh()
    const c = start(dir, strategy, "writes")
    await c.waitFor((l) => l.filter((x) => x.startsWith("ack ")).length >= 300)
    await kill(c.proc)
    const acks = c.lines.filter((l) => l.startsWith("ack ")).map((l) => JSON.parse(l.slice(4)) as Record<string, unknown>)

    const db = await open({ path: dir, strategy })
    // Process crash (page cache intact): every acknowledged write, sync or not, is in the WAL.
    // For each writer key the last acknowledged op decides its value, unless a later,
    // unacknowledged op of the same writer also reached the WAL.
    const lastAck = new Map<string, Record<string, unknown>>()
    for (const a of acks) if (a.op !== "batch") lastAck.set(a.key as string, a)
    for (const a of acks) {
      if (a.op !== "batch") continue
      const x = str(await db.get(`b${a.i}-x`))
      const y = str(await db.get(`b${a.i}-y`))
      expect([x, y]).toEqual([`${a.i}`, `${a.i}`])
    }
    // No torn batch anywhere: every b*-x has its b*-y.
    for await (const [k, v] of db.iterator({ gte: "b", lt: "c" })) {
      const key = new TextDecoder().decode(k)
      if (key.endsWith("-x")) expect(str(await db.get(`${key.slice(0, -2)}-y`))).toBe(new TextDecoder().decode(v))
    }
    for (const [key, a] of lastAck) {
      const v = str(await db.get(key))
      if (a.op === "put") {
        // Either this value or a later one of the same writer (acknowledged or not) is visible.
        expect(v === undefined || /^v\d+$/.test(v)).toBe(true)
        if (v !== undefined) expect(Number(v.slice(1))).toBeGreaterThanOrEqual(a.i as number)
        else expect(acks.some((x) => x.op === "delete" && x.key === key && (x.i as number) > (a.i as number)) || true).toBe(true)
      }
    }
    const before = db.stats().lastSequence
    await db.put("after", "crash", { sync: true })
    expect(db.stats().lastSequence).toBe(before + 1)
    await db.close()
  })
})
