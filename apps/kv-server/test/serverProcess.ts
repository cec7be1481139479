/**
 * Starts the real server (src/main.ts) as a child process on a free loopback port
 * (PORT=0) and tells its URL from the "Listening on" log line. Node runs it with tsx's
 * loader in-process (so a signal reaches the server itself); Bun runs the TypeScript
 * directly with the bun binary from node_modules.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const require = createRequire(import.meta.url)
const tsxLoader = pathToFileURL(path.join(path.dirname(require.resolve("tsx/package.json")), "dist/loader.mjs")).href
export const appDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..")
const main = path.join(appDir, "src/main.ts")
/** The bun executable of the `bun` npm package (not node_modules/.bin/bun, a shell wrapper a signal would stop at). */
export const bunBinary = path.join(path.dirname(require.resolve("bun/package.json")), "bin/bun.exe")

export interface LogLine {
  readonly message: string
  readonly logLevel: string
  readonly annotations: Record<string, unknown>
}

export interface ServerProcess {
  readonly url: string
  readonly child: ChildProcess
  readonly logs: LogLine[]
  /** Resolves with the first log line (already seen or coming) that matches. */
  waitForLog(pred: (l: LogLine) => boolean): Promise<LogLine>
  /** Sends the signal and resolves with the exit code (or the signal that ended it). */
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>
  readonly exited: Promise<number | NodeJS.Signals>
}

export interface SpawnResult {
  readonly code: number | NodeJS.Signals
  readonly output: string
}

const children = new Set<ChildProcess>()

const spawnServer = (env: Record<string, string>, runtime: "node" | "bun"): ChildProcess => {
  const [cmd, args] = runtime === "node" ? [process.execPath, ["--import", tsxLoader, main]] : [bunBinary, ["run", main]]
  const child = spawn(cmd, args, {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir(), PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  })
  children.add(child)
  child.once("exit", () => children.delete(child))
  return child
}

/** SIGKILLs every server a test left running (a failed or timed-out test), so none outlives the run. */
export const killLeftovers = (): void => {
  for (const c of children) c.kill("SIGKILL")
}

const exitOf = (child: ChildProcess): Promise<number | NodeJS.Signals> =>
  new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)))

/** Starts a server and waits until it listens; rejects with its output if it exits first. */
export const startServer = (env: Record<string, string>, runtime: "node" | "bun" = "node"): Promise<ServerProcess> => {
  const child = spawnServer(env, runtime)
  const exited = exitOf(child)
  const logs: LogLine[] = []
  const waiters: Array<{ pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = []
  let out = ""
  let buf = ""
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString()
    buf += d.toString()
    let nl = buf.indexOf("\n")
    while (nl >= 0) {
      const text = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      nl = buf.indexOf("\n")
      let line: LogLine
      try {
        line = JSON.parse(text) as LogLine
      } catch {
        continue
      }
      logs.push(line)
      for (const w of [...waiters]) {
        if (w.pred(line)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(line)
        }
      }
    }
  })
  child.stderr!.on("data", (d: Buffer) => {
    out += d.toString()
  })
  const waitForLog = (pred: (l: LogLine) => boolean): Promise<LogLine> => {
    const seen = logs.find(pred)
    return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pred, resolve }))
  }
  const listening = waitForLog((l) => l.message.startsWith("Listening on "))
  return Promise.race([
    listening.then((l) => l.message.slice("Listening on ".length)),
    exited.then((code) => Promise.reject(new Error(`server exited with ${code} before listening:\n${out}`))),
  ]).then((url) => ({
    url,
    child,
    logs,
    waitForLog,
    exited,
    stop: (signal: NodeJS.Signals = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }))
}

/** Runs the server expecting it to stop by itself (a bad configuration): exit code and all output. */
export const runToExit = (env: Record<string, string>): Promise<SpawnResult> => {
  const child = spawnServer(env, "node")
  let output = ""
  child.stdout!.on("data", (d: Buffer) => {
    output += d.toString()
  })
  child.stderr!.on("data", (d: Buffer) => {
    output += d.toString()
  })
  return exitOf(child).then((code) => ({ code, output }))
}

const dirs: string[] = []
export const tempDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "kv-server-test-"))
  dirs.push(d)
  return d
}
export const removeTempDirs = (): void => {
  killLeftovers()
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
}
