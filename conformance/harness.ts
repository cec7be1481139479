/**
 * A runtime-neutral test harness: plain asserts, no test runner, so the same suites
 * run unchanged on Node, Bun and Deno. Each runtime's entry file supplies the
 * runtime's own `@effect/platform` FileSystem layer.
 */
import type { FileSystem } from "@effect/platform"
import type { Layer } from "effect"

export type RuntimeName = "node" | "bun" | "deno"

export interface RuntimeEnv {
  readonly runtime: RuntimeName
  /** The runtime's FileSystem: platform-node on Node and Deno, platform-bun on Bun. */
  readonly fileSystem: Layer.Layer<FileSystem.FileSystem>
  /** A fresh temporary folder, removed after the run. */
  readonly tmpDir: string
}

export interface ConformanceCase {
  readonly name: string
  readonly run: () => Promise<void> | void
}

export type Suite = (env: RuntimeEnv) => ReadonlyArray<ConformanceCase>

export class AssertionFailed extends Error {}

export const assert: (cond: unknown, message: string) => asserts cond = (cond, message) => {
  if (!cond) throw new AssertionFailed(message)
}

export const assertEqual = <A>(actual: A, expected: A, what: string): void => {
  const a = JSON.stringify(actual, bigintSafe)
  const e = JSON.stringify(expected, bigintSafe)
  if (a !== e) throw new AssertionFailed(`${what}: expected ${e}, got ${a}`)
}

export const assertThrows = (f: () => unknown, tag: string, what: string): void => {
  try {
    f()
  } catch (e) {
    const got = (e as { _tag?: string })._tag
    if (got !== tag) throw new AssertionFailed(`${what}: expected a ${tag}, got ${String(got ?? e)}`)
    return
  }
  throw new AssertionFailed(`${what}: expected a ${tag}, nothing was thrown`)
}

const bigintSafe = (_k: string, v: unknown): unknown => (typeof v === "bigint" ? `${v}n` : v)

export interface SuiteResult {
  readonly passed: number
  readonly failed: ReadonlyArray<{ readonly name: string; readonly error: string }>
}

export const runSuites = async (env: RuntimeEnv, suites: ReadonlyArray<readonly [string, Suite]>): Promise<SuiteResult> => {
  let passed = 0
  const failed: Array<{ name: string; error: string }> = []
  for (const [suiteName, suite] of suites) {
    for (const c of suite(env)) {
      const name = `${suiteName} > ${c.name}`
      try {
        await c.run()
        passed++
        console.log(`  ok   ${name}`)
      } catch (e) {
        const error = e instanceof Error ? (e.stack ?? e.message) : String(e)
        failed.push({ name, error })
        console.log(`  FAIL ${name}\n${error}`)
      }
    }
  }
  return { passed, failed }
}
