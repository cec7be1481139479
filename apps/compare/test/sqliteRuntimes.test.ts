/** SQLite on every runtime: better-sqlite3 on Node, bun:sqlite on Bun, node:sqlite on Deno, same pragmas and queries. */
import { execFile } from "node:child_process"
import * as path from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

const root = path.join(import.meta.dirname, "../../..")
const probe = path.join(import.meta.dirname, "sqliteProbe.ts")
const bin = (name: string): string => path.join(root, "node_modules/.bin", name)

const runOn = async (command: string, args: string[]): Promise<Record<string, unknown>> => {
  const { stdout } = await promisify(execFile)(command, [...args, probe], { cwd: root, timeout: 120_000 })
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>
}

const expected = { skip: null, got: "value-2", missing: true, scanned: 2, wal: true }

describe("sqlite on every runtime", () => {
  it("Node: better-sqlite3", async () => {
    expect(await runOn(bin("tsx"), [])).toEqual({ binding: "better-sqlite3", ...expected })
  }, 120_000)

  it("Bun: bun:sqlite", async () => {
    expect(await runOn(bin("bun"), ["run"])).toEqual({ binding: "bun:sqlite", ...expected })
  }, 120_000)

  it("Deno: node:sqlite", async () => {
    expect(await runOn(bin("deno"), ["run", "-A"])).toEqual({ binding: "node:sqlite", ...expected })
  }, 120_000)
})
