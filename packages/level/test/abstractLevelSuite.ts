/**
 * abstract-level's own test suite (`abstract-level/test`, run with tape as the level
 * projects run it) against WritepathLevel with one write strategy:
 *
 *   node --import tsx packages/level/test/abstractLevelSuite.ts <strategy>
 *
 * Prints TAP; exits non-zero when an assertion fails. `abstractLevel.test.ts` runs it for
 * every strategy under vitest. Each database gets a fresh folder under one temporary root,
 * removed at the end. Tests that cannot pass are skipped by name in KNOWN_FAILURES, each
 * with its reason (printed by tape as a skip).
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { STRATEGIES, type StrategyName } from "@writepath/strategies"
import { WritepathLevel } from "../src/index.ts"

type TapeTest = (name: string, ...rest: unknown[]) => void
interface Tape extends TapeTest {
  skip: TapeTest
  only: TapeTest
  onFinish(f: () => void): void
}

const require = createRequire(import.meta.url)
const tape = require("tape") as Tape
const suite = require("abstract-level/test") as (o: { test: TapeTest; factory: (o?: object) => WritepathLevel }) => void

/** Test names (tape's) this adapter cannot pass, and why. */
export const KNOWN_FAILURES: ReadonlyMap<string, string> = new Map()

const strategy = process.argv[2] as StrategyName
if (!STRATEGIES.includes(strategy)) {
  console.error(`usage: abstractLevelSuite.ts <${STRATEGIES.join("|")}>`)
  process.exit(2)
}

// The suite opens and closes hundreds of databases, each open a few fsyncs: on a memory file
// system (Linux's /dev/shm) they cost nothing, which keeps the four runs short in CI.
const base = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir()
const root = fs.mkdtempSync(path.join(base, `wp-level-${strategy}-`))
let n = 0

const test = ((name: string, ...rest: unknown[]) => {
  const reason = KNOWN_FAILURES.get(name)
  if (reason !== undefined) tape.skip(`${name} (known failure: ${reason})`, ...rest)
  else tape(name, ...rest)
}) as Tape
test.skip = tape.skip
test.only = tape.only

tape.onFinish(() => fs.rmSync(root, { recursive: true, force: true }))

suite({
  test,
  // Engine options stay out of abstract-level's options (the postopen hook tests compare those).
  // Small memtables keep each of the suite's hundreds of databases light.
  factory: (options) => new WritepathLevel(path.join(root, String(n++)), { writeBufferSize: 256 * 1024, ...options, strategy }),
})
