/**
 * Table benchmark (a program, not a test): builds a table of N entries (16-byte keys,
 * 100-byte values, sequence-numbered Puts) and measures build MB/s (with and without the
 * final fsync) and random point lookups/s (hits, and misses that the bloom filter answers).
 *
 *   pnpm exec tsx packages/table/bench/table.bench.ts [entries=1000000]
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Table, TableBuilder } from "../src/index.ts"

const n = Number(process.argv[2] ?? 1_000_000)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-table-bench-"))
const file = path.join(dir, "000001.ldb")

const keyOf = (i: number, out: Uint8Array): Uint8Array => {
  const s = String(i).padStart(16, "0")
  for (let j = 0; j < 16; j++) out[j] = s.charCodeAt(j)
  return out
}

const value = new Uint8Array(100).map((_, i) => (i * 7) & 0xff)
const key = new Uint8Array(16)

const t0 = performance.now()
const b = TableBuilder.create(file)
for (let i = 0; i < n; i++) b.addEntry(keyOf(i, key), i + 1, 1, value)
const tAdd = performance.now()
const props = await b.finish()
const t1 = performance.now()
const rawMb = (n * (16 + 8 + 100)) / 1e6
const fileMb = props.fileSize / 1e6

const t = Table.open(file, { blockCacheBytes: 8 << 20 })
const lookups = 200_000
let seed = 12345
const rand = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed
}
const t2 = performance.now()
let found = 0
for (let i = 0; i < lookups; i++) if (t.get(keyOf(rand() % n, key))._tag === "Found") found++
const t3 = performance.now()
let missFound = 0
for (let i = 0; i < lookups; i++) if (t.get(keyOf(n + (rand() % n), key))._tag === "Found") missFound++
const t4 = performance.now()
let iterated = 0
const it = t.newIterator()
for (it.seekToFirst(); it.valid(); it.next()) iterated++
const t5 = performance.now()
t.close()
fs.rmSync(dir, { recursive: true, force: true })

const runtime =
  typeof (globalThis as { Bun?: unknown }).Bun !== "undefined"
    ? "bun"
    : typeof (globalThis as { Deno?: unknown }).Deno !== "undefined"
      ? "deno"
      : "node"
console.log(`${runtime}: ${n} entries (16 B keys, 100 B values), file ${fileMb.toFixed(1)} MB, ${props.numDataBlocks} data blocks`)
console.log(
  `  build (add only):  ${(rawMb / ((tAdd - t0) / 1000)).toFixed(1)} MB/s of entries, ${((n / (tAdd - t0)) * 1000).toFixed(0)} entries/s`,
)
console.log(`  build incl. finish+fsync: ${(rawMb / ((t1 - t0) / 1000)).toFixed(1)} MB/s, ${(t1 - t0).toFixed(0)} ms`)
console.log(`  get (hits, random): ${((lookups / (t3 - t2)) * 1000).toFixed(0)} lookups/s (${found}/${lookups} found)`)
console.log(`  get (misses, filter): ${((lookups / (t4 - t3)) * 1000).toFixed(0)} lookups/s (${missFound} found)`)
console.log(`  full scan: ${((iterated / (t5 - t4)) * 1000).toFixed(0)} entries/s`)
