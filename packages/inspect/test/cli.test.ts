/**
 * `pnpm db inspect` end to end, as a child process: --json is the library's report and
 * passes the schema; text and --verbose; exit 1 with one line on stderr for folders it cannot
 * describe; exit 2 with the usage for bad arguments; the folder is byte-identical afterwards.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { InspectReport } from "../src/InspectReport.ts"
import { inspectFolder } from "../src/inspectFolder.ts"
import { buildFlushedFolder, copyFolder, snapshotFolder } from "./folders.ts"

let root: string
let flushed: string
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "db-inspect-cli-"))
  flushed = path.join(root, "flushed")
  await buildFlushedFolder(flushed)
  // A LOCK as a live holder leaves it: inspect must neither take nor remove it.
  fs.writeFileSync(path.join(flushed, "LOCK"), "12345\nsome-host\ntoken")
})
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

const repo = path.resolve(__dirname, "../../..")
/** Through the root script, as a user runs it. */
const pnpmDb = (...args: string[]) => spawnSync("pnpm", ["-s", "db", ...args], { cwd: repo, encoding: "utf8" })
/** The same entry point without pnpm's start-up cost. */
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "packages/inspect/src/bin.ts", ...args], { cwd: repo, encoding: "utf8" })

describe("db inspect", () => {
  it("--json prints the library's report, valid against the schema, and changes nothing", () => {
    const before = snapshotFolder(flushed)
    const r = pnpmDb("inspect", flushed, "--json")
    expect(snapshotFolder(flushed)).toEqual(before)
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    const report = InspectReport.parse(JSON.parse(r.stdout))
    expect(report).toEqual(inspectFolder(flushed))
    expect(report).toMatchObject({ lockPresent: true, manifest: { logNumber: 5, lastSequence: 7, editCount: 4 }, totals: { entries: 6 } })
    expect(report.manifest!.edits).toBeUndefined()
  }, 120_000)

  it("--json --verbose includes the edits; text is the default; -v adds edit lines", () => {
    const before = snapshotFolder(flushed)
    const json = cli("inspect", "--json", "--verbose", flushed)
    expect(json.status).toBe(0)
    expect(InspectReport.parse(JSON.parse(json.stdout)).manifest!.edits).toHaveLength(4)
    const text = cli("inspect", flushed)
    expect(text.status).toBe(0)
    expect(text.stdout.split("\n")[0]).toBe(`folder     ${flushed}`)
    expect(text.stdout).toContain("  log number        5")
    expect(text.stdout).not.toContain("edit 1 at offset 0")
    expect(cli("inspect", "-v", flushed).stdout).toContain("  edit 4 at offset ")
    expect(snapshotFolder(flushed)).toEqual(before)
  }, 120_000)

  it("exit 1 and one line naming the problem and the path: missing folder, not a database, corrupt MANIFEST", () => {
    const missing = path.join(root, "missing")
    const r = cli("inspect", missing, "--json")
    expect(r.status).toBe(1)
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe(`db inspect: IO error: ${missing}: no such folder\n`)

    const empty = path.join(root, "empty")
    fs.mkdirSync(empty)
    const e = cli("inspect", empty)
    expect(e.status).toBe(1)
    expect(e.stderr).toBe(`db inspect: Invalid argument: ${empty} is not a database (no CURRENT, no NNNNNN.log, no IDENTITY)\n`)

    const corrupt = copyFolder(flushed, path.join(root, "corrupt"))
    const manifest = path.join(corrupt, "MANIFEST-000001")
    const bytes = fs.readFileSync(manifest)
    bytes[20] = bytes[20]! ^ 0x01
    fs.writeFileSync(manifest, bytes)
    const c = cli("inspect", corrupt)
    expect(c.status).toBe(1)
    expect(c.stdout).toBe("")
    expect(c.stderr).toBe(`db inspect: Corruption: checksum mismatch at offset 0 (${manifest})\n`)
  }, 120_000)

  it("exit 2 with the usage: unknown flag, missing folder, no command; --help is exit 0", () => {
    const bad = cli("inspect", flushed, "--bogus")
    expect(bad.status).toBe(2)
    expect(bad.stdout).toBe("")
    expect(bad.stderr).toContain("error: unknown option '--bogus'")
    expect(bad.stderr).toContain("Usage: db inspect [options] <folder>")
    const noFolder = cli("inspect")
    expect(noFolder.status).toBe(2)
    expect(noFolder.stderr).toContain("error: missing required argument 'folder'")
    const noCommand = cli()
    expect(noCommand.status).toBe(2)
    expect(noCommand.stderr).toContain("Usage: db [options] [command]")
    const help = cli("inspect", "--help")
    expect(help.status).toBe(0)
    expect(help.stdout).toContain("--json")
  }, 120_000)
})
