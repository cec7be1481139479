import { execFile } from "node:child_process"
import * as path from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { defaultConfig, fullConfig, quickConfig } from "../src/CompareConfig.ts"
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

  it("the default run: 1 and 64 writers, both modes, four workloads, every engine, 3 rounds, 2-s headline rounds", () => {
    expect(defaultConfig).toMatchObject({
      writers: [1, 64],
      sync: "both",
      workloads: ["fillrandom", "overwrite", "readwhilewriting", "txn"],
      rounds: 3,
      headlineSeconds: 2,
      full: false,
    })
    expect(defaultConfig.engines).toContain("rocksdb-cpp")
    expect(defaultConfig.engines).toContain("limit-device")
  })

  it("--full gives the wide matrix, --rounds and --headline-seconds set the rounds, --advise runs the strategies only", () => {
    const full = run("--full")
    expect(full.kind === "run" && full.config).toEqual({ ...fullConfig, full: true })
    expect(fullConfig.writers).toEqual([1, 8, 64])
    const rounds = run("--rounds", "5", "--headline-seconds", "3.5", "--writers", "64", "--sync", "on")
    expect(rounds.kind === "run" && [rounds.config.rounds, rounds.config.headlineSeconds, rounds.config.writers]).toEqual([5, 3.5, [64]])
    const advise = run("--advise")
    expect(advise.kind === "run" && [advise.config.advise, advise.config.engines]).toEqual([true, ["writepath"]])
    const advisePeers = run("--advise", "--engines", "writepath,lmdb")
    expect(advisePeers.kind === "run" && advisePeers.config.engines).toEqual(["writepath", "lmdb"])
    const ycsb = run("--workloads", "ycsb-a,ycsb-f")
    expect(ycsb.kind === "run" && ycsb.config.workloads).toEqual(["ycsb-a", "ycsb-f"])
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
    expectUsageError(["--rounds", "0"], /--rounds must be an integer in \[1, 100\]/)
    expectUsageError(["--quick", "--full"], /option '--quick' cannot be used with option '--full'/)
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
