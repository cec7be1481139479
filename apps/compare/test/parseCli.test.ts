import { execFile } from "node:child_process"
import * as path from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { defaultConfig, quickConfig } from "../src/CompareConfig.ts"
import { parseCli } from "../src/parseCli.ts"

const run = (...args: string[]) => parseCli(args, "node")

const expectUsageError = (args: string[], message: RegExp): void => {
  const out = run(...args)
  expect(out.kind).toBe("exit")
  if (out.kind !== "exit") return
  expect(out.code).toBe(2)
  expect(out.stderr).toMatch(message)
  expect(out.stderr).toMatch(/Usage: compare \[options\]/)
}

describe("parseCli", () => {
  it("gives the default matrix without flags", () => {
    expect(run()).toEqual({ kind: "run", config: defaultConfig })
  })

  it("--quick gives the quick matrix; explicit flags win over it", () => {
    const out = run("--quick", "--writers", "4")
    expect(out.kind === "run" && out.config).toEqual({ ...quickConfig, writers: [4] })
  })

  it("parses every flag of the issue", () => {
    const out = run(
      ...["--engines", "writepath,lmdb", "--strategies", "pipelined", "--workloads", "txn,fillseq", "--writers", "64,1,8,8"],
      ...["--sync", "off", "--ops", "500", "--value-size", "0", "--key-size", "20", "--json", "a.json", "--html", "b.html"],
      ...["--dir", "/tmp/x", "--runtime", "node"],
    )
    expect(out).toEqual({
      kind: "run",
      config: {
        ...defaultConfig,
        engines: ["writepath", "lmdb"],
        strategies: ["pipelined"],
        workloads: ["txn", "fillseq"],
        writers: [1, 8, 64],
        sync: "off",
        ops: 500,
        budgetSeconds: null, // --ops alone: exactly 500 writes per run, no time cap
        valueSize: 0,
        keySize: 20,
        json: "a.json",
        html: "b.html",
        dir: "/tmp/x",
      },
    })
  })

  it("keeps the time budget when --ops and --budget are both given", () => {
    const out = run("--ops", "10", "--budget", "3")
    expect(out.kind === "run" && [out.config.ops, out.config.budgetSeconds]).toEqual([10, 3])
  })

  it("answers bad flags with a usage message and exit code 2", () => {
    expectUsageError(["--nope"], /unknown option '--nope'/)
    expectUsageError(["--engines", "leveldb"], /unknown engine "leveldb" \(one of: writepath, classic-level/)
    expectUsageError(["--strategies", "fast"], /unknown strategy "fast"/)
    expectUsageError(["--workloads", "fillseq,,nope"], /unknown workload "nope"/)
    expectUsageError(["--writers", "0"], /each writer count must be an integer in \[1, 4096\], got "0"/)
    expectUsageError(["--writers", "1,x"], /got "x"/)
    expectUsageError(["--sync", "maybe"], /argument 'maybe' is invalid. Allowed choices are on, off, both/)
    expectUsageError(["--ops", "-5"], /--ops must be an integer/)
    expectUsageError(["--ops"], /argument missing/)
    expectUsageError(["--key-size", "4"], /--key-size must be an integer in \[10, 1024\]/)
    expectUsageError(["--budget", "0"], /positive number of seconds/)
    expectUsageError(["extra"], /too many arguments/)
    expectUsageError(["--runtime", "bun"], /--runtime bun given, but this is node/)
  })

  it("prints help on --help with exit code 0", () => {
    const out = run("--help")
    expect(out.kind === "exit" && [out.code, out.stdout.includes("--value-size <n>")]).toEqual([0, true])
  })

  it("the program prints usage, not a stack trace, for a bad flag", async () => {
    const main = path.join(import.meta.dirname, "../src/main.ts")
    const tsx = path.join(import.meta.dirname, "../../../node_modules/.bin/tsx")
    const failure = await promisify(execFile)(tsx, [main, "--writers", "lots"]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    )
    expect(failure?.code).toBe(2)
    expect(failure?.stderr).toMatch(/error: option '--writers <list>' argument 'lots' is invalid/)
    expect(failure?.stderr).toMatch(/Usage: compare/)
    expect(failure?.stderr).not.toMatch(/\n\s+at /)
  }, 30_000)
})
