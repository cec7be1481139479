/**
 * abstract-level's own test suite (`abstract-level/test`, run with tape as the level
 * projects run it) against WritepathLevel with one write strategy:
 *
 *   node --import tsx packages/level/test/abstractLevelSuite.ts <strategy> [writes]
 *
 * Prints TAP; exits non-zero when an assertion fails. `abstractLevel.test.ts` runs it for
 * every strategy under vitest. `writes` runs only the suite's modules that open few
 * databases (WRITE_MODULES): the whole suite opens ~700 databases, and a
 * concurrent-memtable open starts worker threads that load the engine from source (2-10 s
 * each on a 2-core machine), so that strategy's whole run takes over an hour. Each database
 * gets a fresh folder under one temporary root, removed at the end. Tests that cannot pass are skipped by name in KNOWN_FAILURES, each
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
type Factory = (o?: object) => WritepathLevel
const suite = require("abstract-level/test") as (o: { test: TapeTest; factory: Factory }) => void
const common = require("abstract-level/test/common") as (o: { test: TapeTest; factory: Factory }) => object

/**
 * Modules of the suite that open few databases (counted with classic): put/get/del (2),
 * getMany (17), array batches (9), chained batches (6), iterator ranges (1): 344 assertions
 * over 35 databases, covering the write path each strategy implements differently.
 */
const WRITE_MODULES = ["put-get-del-test", "get-many-test", "batch-test", "chained-batch-test", "iterator-range-test"]

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

tape.onFinish(() => {
  fs.rmSync(root, { recursive: true, force: true })
  console.log(`# databases ${n}`)
})

const options = {
  test,
  // Engine options stay out of abstract-level's options (the postopen hook tests compare those).
  // Small memtables keep each of the suite's hundreds of databases light.
  factory: ((o) => new WritepathLevel(path.join(root, String(n++)), { writeBufferSize: 256 * 1024, ...o, strategy })) as Factory,
}

if (process.argv[3] === "writes") {
  const testCommon = common(options)
  for (const m of WRITE_MODULES) (require(`abstract-level/test/${m}`) as { all: (t: TapeTest, c: object) => void }).all(test, testCommon)
} else suite(options)
