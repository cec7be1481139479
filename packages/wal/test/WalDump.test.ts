/**
 * `pnpm wal dump`: the library function on good and damaged logs, and the CLI end to end
 * (text and --json, exit status, bad input).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { WriteBatch } from "@writepath/batch"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dumpLog, IOError, LogWriter, makeNode } from "../src/index.ts"

let dir: string
let logPath: string
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "wal-dump-"))
  logPath = path.join(dir, "000012.log")
  const w = new LogWriter(makeNode().openWritable(logPath), { logNumber: 12 })
  const b1 = new WriteBatch().put("hello", "world").delete("gone", 3).deleteRange("a", "b")
  b1.sequence = 100
  w.addRecord(b1.data)
  const b2 = new WriteBatch().put(Uint8Array.of(0, 255, 1), "x".repeat(70_000)).merge("m", "1")
  b2.sequence = 103
  w.addRecord(b2.data)
  await w.close()
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const root = path.resolve(__dirname, "../../..")
/** Through the root script, as a user runs it. */
const pnpmWal = (...args: string[]) => spawnSync("pnpm", ["-s", "wal", ...args], { cwd: root, encoding: "utf8" })
/** The same entry point without pnpm's start-up cost. */
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "packages/wal/bin/wal.ts", ...args], { cwd: root, encoding: "utf8" })

describe("dumpLog", () => {
  it("lists every record with offset, fragments, sequence, count and operations", () => {
    const entries = [...dumpLog(makeNode(), logPath)]
    expect(entries.map((e) => e.kind)).toEqual(["record", "record"])
    const [a, b] = entries as Array<Extract<(typeof entries)[number], { kind: "record" }>>
    expect(a).toMatchObject({ offset: 0, fragments: ["FULL"], sequence: 100, count: 3 })
    expect(a!.ops).toEqual([
      { type: "Put", key: "hello", value: "world" },
      { type: "Delete", key: "gone", cf: 3 },
      { type: "DeleteRange", key: "a", end: "b" },
    ])
    expect(b).toMatchObject({ fragments: ["FIRST", "MIDDLE", "LAST"], sequence: 103, count: 2 })
    expect(b!.ops[0]).toMatchObject({ type: "Put", key: "hex:00ff01" })
  })

  it("reports corruption and keeps going", () => {
    const bytes = fs.readFileSync(logPath)
    bytes[10] = bytes[10]! ^ 0x40 // inside the first record's payload
    const p = path.join(dir, "000013.log")
    fs.writeFileSync(p, bytes)
    const entries = [...dumpLog(makeNode(), p, { logNumber: 12 })]
    expect(entries[0]).toMatchObject({ kind: "drop", drop: { offset: 0, reason: "checksum mismatch", reported: true } })
    // The second record started in the same block, so it is dropped with it (missing start follows).
    expect(entries.some((e) => e.kind === "record")).toBe(false)
  })

  it("bad input is a typed error", () => {
    expect(() => [...dumpLog(makeNode(), path.join(dir, "missing.log"))]).toThrow(IOError)
    expect(() => [...dumpLog(makeNode(), dir)]).toThrow(IOError)
  })
})

describe("pnpm wal dump", () => {
  it("--json prints one object per record", () => {
    const r = pnpmWal("dump", logPath, "--json")
    expect(r.status).toBe(0)
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(lines).toHaveLength(2)
    expect(lines[0]).toEqual({
      offset: 0,
      fragments: ["FULL"],
      sequence: 100,
      count: 3,
      ops: [
        { type: "Put", key: "hello", value: "world" },
        { type: "Delete", key: "gone", cf: 3 },
        { type: "DeleteRange", key: "a", end: "b" },
      ],
    })
    expect(lines[1].ops[1]).toEqual({ type: "Merge", key: "m", value: "1" })
  }, 30_000)

  it("text output, and exit status 1 with a clear message for a missing file; 2 for a damaged one", () => {
    const ok = cli("dump", logPath)
    expect(ok.status).toBe(0)
    expect(ok.stdout).toContain("offset 0 FULL bytes")
    expect(ok.stdout).toContain('Put key="hello" value="world"')
    expect(ok.stdout).toContain("key=hex:00ff01")
    const missing = cli("dump", path.join(dir, "nope.log"))
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain("ENOENT")
    const random = path.join(dir, "random.log")
    fs.writeFileSync(
      random,
      Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919) & 0xff),
    )
    const r = cli("dump", random, "--json")
    expect(r.status).toBe(2)
    expect(
      r.stdout
        .trim()
        .split("\n")
        .every((l) => "corruption" in JSON.parse(l)),
    ).toBe(true)
  }, 30_000)
})
