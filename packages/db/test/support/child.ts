/**
 * Child processes for tests and the crash loop: Node with tsx's loader in-process (tsx's
 * CLI would put a second process between us and the child, and SIGKILL would miss it),
 * stdout read as lines.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

/** tsx's loader, for `node --import` (exported for tests that spawn with other stdio). */
export const tsxLoader = pathToFileURL(
  path.join(path.dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist/loader.mjs"),
).href

export interface Child {
  readonly proc: ChildProcess
  /** Every complete stdout line so far. */
  readonly lines: string[]
  /** Resolves once `pred(lines)` holds (checked on every new line); rejects if the child exits first. */
  waitFor(pred: (lines: ReadonlyArray<string>) => boolean): Promise<void>
  /** SIGKILL; resolves when the child is gone. */
  kill(): Promise<void>
  /** Resolves with the exit code once the child exited on its own. */
  readonly exited: Promise<number | null>
}

export const startChild = (script: string, args: ReadonlyArray<string>, onLine?: (line: string) => void): Child => {
  const proc = spawn(process.execPath, ["--import", tsxLoader, script, ...args], { stdio: ["ignore", "pipe", "inherit"] })
  const lines: string[] = []
  let buf = ""
  let waiters: Array<() => void> = []
  const wake = (): void => {
    const w = waiters
    waiters = []
    for (const f of w) f()
  }
  proc.stdout!.on("data", (d: Buffer) => {
    buf += d.toString()
    const parts = buf.split("\n")
    buf = parts.pop()!
    for (const l of parts) {
      lines.push(l)
      onLine?.(l)
    }
    wake()
  })
  const exited = new Promise<number | null>((resolve) => {
    // "close", not "exit": stdout is fully read by then, so no acknowledged line is missed.
    proc.once("close", (code) => {
      wake()
      resolve(code)
    })
  })
  return {
    proc,
    lines,
    exited,
    waitFor: async (pred) => {
      while (!pred(lines)) {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          throw new Error(`child exited (${proc.exitCode ?? proc.signalCode}) before the condition held`)
        }
        await new Promise<void>((r) => waiters.push(r))
      }
    },
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL")
      await exited
    },
  }
}
