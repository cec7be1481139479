/**
 * Corruption fuzzing (issue 8): bit flips, truncations, zeroed ranges and garbage appended
 * to the WAL files of a real database, then open in each recovery mode. Never a crash (an
 * untyped error) or a hang; never a value that was not written; point-in-time,
 * tolerate-corrupted-tail and absolute-consistency recover a prefix of the write history
 * when they open; skip-any-corrupted-records only values that were written.
 *
 * Known limit, as in RocksDB (WRITE-PATH.md 4.4): a cut exactly on a record boundary of a
 * WAL that is not the last leaves a clean end of file there, so point-in-time replays the
 * later WALs and the history has a hole; only WAL tracking in a MANIFEST
 * (`track_and_verify_wals`, not in writepath yet) closes it. The fuzzer therefore moves such
 * cuts one byte into the next record, where they are torn records every mode can see.
 * tolerate-corrupted-tail-records drops a torn tail of any WAL and goes on with the next by
 * design, so it too may leave a hole: it is held to "only written values".
 *
 * A fixed-seed corpus (replays by name) and a fast-check property (replays by the seed and
 * path fast-check prints).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { WAL_RECOVERY_MODES } from "@writepath/strategies"
import { makeNode, parseLogFileName, recoverLogs, WalRecoveryMode } from "@writepath/wal"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { open } from "../src/index.ts"
import { prng } from "./crashLoop/ops.ts"

const KEYS = 24
type Entry = { readonly key: string; readonly value: string | undefined }
/** One write of the history: a put, a delete or a batch (several entries, one record). */
type Write = ReadonlyArray<Entry>

const root = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-walfuzz-"))
const pristine = path.join(root, "pristine")
const history: Write[] = []
/** State after each prefix of the history: prefixes[i] = after writes 0..i-1. */
const prefixes: Array<Map<string, string>> = []
const written = new Map<string, Set<string>>()

beforeAll(async () => {
  // Three lives (three opens: three WALs at least) and 64 KiB memtables (switches: more WALs).
  const r = prng(2024)
  const pick = (n: number): number => Math.floor(r() * n)
  for (let life = 0; life < 3; life++) {
    const db = await open({ path: pristine, writeBufferSize: 64 * 1024, maxWriteBufferNumber: 1000 })
    for (let i = 0; i < 150; i++) {
      const n = history.length
      const value = (): string => `h${n}.${"v".repeat(pick(700))}`
      const x = r()
      let w: Write
      if (x < 0.5) w = [{ key: `k${pick(KEYS)}`, value: value() }]
      else if (x < 0.65) w = [{ key: `k${pick(KEYS)}`, value: undefined }]
      else
        w = [...new Set(Array.from({ length: 2 + pick(3) }, () => `k${pick(KEYS)}`))].map((key) => ({
          key,
          value: r() < 0.8 ? value() : undefined,
        }))
      if (w.length === 1) {
        const [e] = w
        if (e!.value === undefined) await db.delete(e!.key, { sync: r() < 0.2 })
        else await db.put(e!.key, e!.value, { sync: r() < 0.2 })
      } else {
        const b = db.batch()
        for (const e of w) {
          if (e.value === undefined) b.delete(e.key)
          else b.put(e.key, e.value)
        }
        await db.write(b, { sync: r() < 0.2 })
      }
      history.push(w)
    }
    await db.close()
  }
  const state = new Map<string, string>()
  prefixes.push(new Map(state))
  for (const w of history) {
    for (const e of w) {
      if (e.value === undefined) state.delete(e.key)
      else {
        state.set(e.key, e.value)
        if (!written.has(e.key)) written.set(e.key, new Set())
        written.get(e.key)!.add(e.value)
      }
    }
    prefixes.push(new Map(state))
  }
}, 120_000)

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true })
})

const wals = (dir: string): string[] =>
  fs
    .readdirSync(dir)
    .filter((f) => parseLogFileName(f) !== undefined)
    .sort()
    .map((f) => path.join(dir, f))

interface Corruption {
  /** Which WAL (modulo their number, in log order). */
  readonly file: number
  readonly kind: "flip" | "truncate" | "zero" | "append"
  /** Where, as a fraction of the file's length. */
  readonly at: number
  /** Bits to flip, bytes to zero or append. */
  readonly count: number
  /** Garbage bytes' seed. */
  readonly seed: number
}

/** Offsets where a record of `file` starts (its first fragment's header). */
const recordStarts = (file: string): Set<number> => {
  const logNumber = parseLogFileName(path.basename(file))!
  const r = recoverLogs(makeNode(), [{ logNumber, path: file }], { recoveryMode: WalRecoveryMode.kSkipAnyCorruptedRecords })
  return new Set(r.records.map((x) => x.offset))
}

const corrupt = (dir: string, c: Corruption): void => {
  const files = wals(dir).filter((f) => fs.statSync(f).size > 0)
  // An earlier truncation may have emptied the only WAL holding records (flushes delete the rest).
  if (files.length === 0) return
  const file = files[c.file % files.length]!
  const bytes = fs.readFileSync(file)
  let at = Math.min(bytes.length - 1, Math.floor(c.at * bytes.length))
  // See the known limit above: no clean cuts between records of a WAL that is not the last.
  if (c.kind === "truncate" && file !== files.at(-1) && recordStarts(file).has(at)) at++
  const r = prng(c.seed)
  switch (c.kind) {
    case "flip":
      for (let i = 0; i < c.count; i++) {
        const o = Math.min(bytes.length - 1, at + Math.floor(r() * 64))
        bytes[o]! ^= 1 << Math.floor(r() * 8)
      }
      fs.writeFileSync(file, bytes)
      return
    case "truncate":
      fs.truncateSync(file, at)
      return
    case "zero":
      bytes.fill(0, at, Math.min(bytes.length, at + c.count * 16))
      fs.writeFileSync(file, bytes)
      return
    case "append":
      fs.appendFileSync(
        file,
        Uint8Array.from({ length: c.count * 37 }, () => Math.floor(r() * 256)),
      )
      return
  }
}

const decode = (b: Uint8Array): string => new TextDecoder().decode(b)
let copies = 0

/** Opens a corrupted copy in `mode`; checks the rules; returns what happened. */
const check = async (corruptions: ReadonlyArray<Corruption>, mode: (typeof WAL_RECOVERY_MODES)[number]): Promise<string> => {
  const dir = path.join(root, `copy${copies++}`)
  fs.cpSync(pristine, dir, { recursive: true })
  try {
    for (const c of corruptions) corrupt(dir, c)
    let db: Awaited<ReturnType<typeof open>>
    try {
      db = await open({ path: dir, writeBufferSize: 64 * 1024, maxWriteBufferNumber: 1000, walRecoveryMode: mode })
    } catch (e) {
      // Refusing to open is allowed (absolute-consistency, tolerate-tail on mid-file damage), but only with a typed corruption error.
      expect((e as { _tag?: string })._tag, String(e)).toBe("WalCorruption")
      return "refused"
    }
    try {
      const got = new Map<string, string>()
      for await (const [k, v] of db.iterator()) got.set(decode(k), decode(v))
      for (const [k, v] of got) expect(written.get(k)?.has(v), `${k} holds a value never written`).toBe(true)
      if (mode === "point-in-time" || mode === "absolute-consistency") {
        const prefix = prefixes.findLastIndex((p) => p.size === got.size && [...p].every(([k, v]) => got.get(k) === v))
        expect(prefix, `${mode}: the recovered state is no prefix of the history`).toBeGreaterThanOrEqual(0)
      }
      // Still a working database.
      await db.put("after", "ok", { sync: true })
      expect(decode((await db.get("after"))!)).toBe("ok")
      return "opened"
    } finally {
      await db.close()
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const corruptionArb: fc.Arbitrary<Corruption> = fc.record({
  file: fc.nat({ max: 16 }),
  kind: fc.constantFrom("flip", "truncate", "zero", "append"),
  at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  count: fc.integer({ min: 1, max: 8 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
})

describe("WAL corruption fuzzing", () => {
  it("the pristine database recovers the whole history in every mode", async () => {
    for (const mode of WAL_RECOVERY_MODES) {
      const db = await open({ path: pristine, writeBufferSize: 64 * 1024, maxWriteBufferNumber: 1000, walRecoveryMode: mode })
      const got = new Map<string, string>()
      for await (const [k, v] of db.iterator()) got.set(decode(k), decode(v))
      expect(got).toEqual(prefixes.at(-1))
      await db.close()
    }
    expect(wals(pristine).length).toBeGreaterThanOrEqual(3)
  })

  // Fixed-seed corpus: each case is named by its seed, so a failure replays by name.
  const corpus = Array.from({ length: 16 }, (_, seed) => {
    const r = prng(seed + 1)
    const kinds = ["flip", "truncate", "zero", "append"] as const
    return Array.from(
      { length: 1 + Math.floor(r() * 2) },
      (): Corruption => ({
        file: Math.floor(r() * 16),
        kind: kinds[seed % 4]!,
        at: r(),
        count: 1 + Math.floor(r() * 8),
        seed: Math.floor(r() * 2 ** 31),
      }),
    )
  })
  it.each(corpus.map((c, i) => [i, c] as const))("corpus seed %i: every recovery mode keeps the rules", async (_, corruptions) => {
    for (const mode of WAL_RECOVERY_MODES) await check(corruptions, mode)
  })

  it("property: any mix of flips, truncations, zeroed ranges and garbage, in any recovery mode", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(corruptionArb, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...WAL_RECOVERY_MODES),
        async (cs, mode) => {
          await check(cs, mode)
        },
      ),
      // WRITEPATH_FUZZ_RUNS=1000 for a longer campaign.
      { numRuns: Number(process.env.WRITEPATH_FUZZ_RUNS ?? 40) },
    )
  }, 600_000)
})
