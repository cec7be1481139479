/**
 * Command-line flags (commander) to a CompareConfig. Never exits or prints by itself: it
 * returns what to print and the exit code, so bad flags become a usage message (and tests
 * can check that) instead of a stack trace.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander"
import { type CompareConfig, defaultConfig, fullConfig, quickConfig, type SyncMode } from "./CompareConfig.ts"
import { engineNames } from "./engines/allEngines.ts"
import { strategies } from "./engines/writepath.ts"
import { type RuntimeName, runtimeName } from "./runtimeInfo.ts"
import { workloads } from "./Workload.ts"

export type CliOutcome =
  | { readonly kind: "run"; readonly config: CompareConfig }
  | { readonly kind: "exit"; readonly code: number; readonly stdout: string; readonly stderr: string }

const intIn =
  (what: string, min: number, max: number) =>
  (text: string): number => {
    const n = Number(text)
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${what} must be an integer in [${min}, ${max}], got "${text}"`)
    return n
  }

const positiveNumber = (text: string): number => {
  const n = Number(text)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`must be a positive number of seconds, got "${text}"`)
  return n
}

const listOf =
  <T extends string>(what: string, allowed: readonly T[]) =>
  (text: string): T[] => {
    const items = text
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")
    if (items.length === 0) throw new InvalidArgumentError(`give at least one ${what}`)
    for (const item of items)
      if (!(allowed as readonly string[]).includes(item))
        throw new InvalidArgumentError(`unknown ${what} "${item}" (one of: ${allowed.join(", ")})`)
    return [...new Set(items)] as T[]
  }

const writerList = (text: string): number[] => {
  const parse = intIn("each writer count", 1, 4096)
  const items = text.split(",").filter((s) => s.trim() !== "")
  if (items.length === 0) throw new InvalidArgumentError("give at least one writer count")
  return [...new Set(items.map(parse))].sort((a, b) => a - b)
}

const program = (): Command =>
  new Command("compare")
    .description(
      "Compare writepath's write strategies with LevelDB, RocksDB, LMDB and SQLite and with the limits of this machine;\n" +
        "prints a table and writes a JSON and an HTML report.",
    )
    .addOption(
      new Option("--engines <list>", `engines, comma-separated: ${engineNames.join(",")}`).argParser(listOf("engine", engineNames)),
    )
    .addOption(new Option("--strategies <list>", `writepath strategies: ${strategies.join(",")}`).argParser(listOf("strategy", strategies)))
    .addOption(new Option("--workloads <list>", `workloads: ${workloads.join(",")}`).argParser(listOf("workload", workloads)))
    .addOption(new Option("--writers <list>", "concurrent writers per run, e.g. 1,8,64").argParser(writerList))
    .addOption(new Option("--sync <mode>", "durable writes").choices(["on", "off", "both"]))
    .addOption(new Option("--ops <n>", "cap on writes per run (alone: every run does exactly n)").argParser(intIn("--ops", 1, 1e9)))
    .addOption(new Option("--budget <seconds>", "total seconds of rounds (default 200, --full 420, --quick 10)").argParser(positiveNumber))
    .addOption(new Option("--rounds <n>", "interleaved rounds per cell (default 3)").argParser(intIn("--rounds", 1, 100)))
    .addOption(new Option("--headline-seconds <s>", "timed seconds of each round of a headline cell (default 2)").argParser(positiveNumber))
    .addOption(new Option("--value-size <n>", "value bytes").argParser(intIn("--value-size", 0, 1 << 20)))
    .addOption(new Option("--key-size <n>", "key bytes (zero-padded decimal)").argParser(intIn("--key-size", 10, 1024)))
    .addOption(new Option("--quick", "smoke run under 30 s").conflicts("full"))
    .addOption(new Option("--full", "the wide matrix (1, 8, 64 writers) with the line charts over writers"))
    .addOption(new Option("--advise", "print only the strategy advice (runs writepath's strategies only, unless --engines)"))
    .addOption(new Option("--json <file>", `JSON report (default ${defaultConfig.json})`))
    .addOption(new Option("--html <file>", `HTML report (default ${defaultConfig.html})`))
    .addOption(new Option("--dir <path>", "run on this folder's file system (a temporary folder inside it, removed afterwards)"))
    .addOption(
      new Option("--runtime <name>", "the runtime this must run on; the report records the one it runs on").choices([
        "node",
        "bun",
        "deno",
      ]),
    )
    .helpOption("-h, --help", "show this help")
    .allowExcessArguments(false)
    .showHelpAfterError()

interface Flags {
  engines?: CompareConfig["engines"]
  strategies?: CompareConfig["strategies"]
  workloads?: CompareConfig["workloads"]
  writers?: number[]
  sync?: SyncMode
  ops?: number
  budget?: number
  rounds?: number
  headlineSeconds?: number
  full?: true
  advise?: true
  valueSize?: number
  keySize?: number
  quick?: true
  json?: string
  html?: string
  dir?: string
  runtime?: RuntimeName
}

/** Parses user arguments (without node and script), e.g. `process.argv.slice(2)`. */
export const parseCli = (args: readonly string[], runtime: RuntimeName = runtimeName()): CliOutcome => {
  let stdout = ""
  let stderr = ""
  const cmd = program()
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) })
  try {
    cmd.parse([...args], { from: "user" })
  } catch (e) {
    if (e instanceof CommanderError) return { kind: "exit", code: e.exitCode === 0 ? 0 : 2, stdout, stderr }
    throw e
  }
  const f = cmd.opts<Flags>()
  if (f.runtime !== undefined && f.runtime !== runtime) {
    return {
      kind: "exit",
      code: 2,
      stdout,
      stderr: `error: --runtime ${f.runtime} given, but this is ${runtime}\n\n${cmd.helpInformation()}`,
    }
  }
  const base = f.quick ? quickConfig : f.full ? fullConfig : defaultConfig
  const config: CompareConfig = {
    ...base,
    engines: f.engines ?? (f.advise ? ["writepath"] : base.engines),
    strategies: f.strategies ?? base.strategies,
    workloads: f.workloads ?? base.workloads,
    writers: f.writers ?? base.writers,
    sync: f.sync ?? base.sync,
    keySize: f.keySize ?? base.keySize,
    valueSize: f.valueSize ?? base.valueSize,
    ops: f.ops ?? base.ops,
    // --ops alone means "exactly n writes per run", with no time cap.
    budgetSeconds: f.budget ?? (f.ops !== undefined ? null : base.budgetSeconds),
    quick: f.quick === true,
    full: f.full === true,
    advise: f.advise === true,
    rounds: f.rounds ?? base.rounds,
    headlineSeconds: f.headlineSeconds ?? base.headlineSeconds,
    warmUp: base.warmUp,
    json: f.json ?? base.json,
    html: f.html ?? base.html,
    dir: f.dir ?? base.dir,
  }
  return { kind: "run", config }
}
