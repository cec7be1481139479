/**
 * Snappy candidates on real table blocks (a program, not a test): builds tables with
 * compression off from two data sets, takes every data block's contents (~4 KiB, exactly what
 * a table hands the codec), then measures encode and decode throughput of
 *   own      this package's TypeScript codec (src/internal/snappy*.ts)
 *   snappyjs the pure-JS registry package
 *   native   the `snappy` package (Rust through N-API), where it loads
 * one block per call, as the table builder and reader call them. MB/s counts uncompressed bytes.
 *
 *   pnpm exec tsx packages/table/bench/snappy.bench.ts      (also `bun run`, `deno run -A`)
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { Table, TableBuilder } from "../src/index.ts"
import { snappyCompress } from "../src/internal/snappyCompress.ts"
import { snappyDecompress } from "../src/internal/snappyDecompress.ts"

const require = createRequire(import.meta.url)

interface Codec {
  readonly name: string
  readonly compress: (b: Uint8Array) => Uint8Array
  readonly decompress: (b: Uint8Array) => Uint8Array
}

const codecs: Codec[] = [
  {
    name: "own",
    compress: snappyCompress,
    decompress: (b) => {
      const r = snappyDecompress(b)
      if (typeof r === "string") throw new Error(r)
      return r
    },
  },
]
const snappyjs = require("snappyjs") as { compress(b: Uint8Array): Uint8Array; uncompress(b: Uint8Array): Uint8Array }
codecs.push({ name: "snappyjs", compress: (b) => snappyjs.compress(b), decompress: (b) => snappyjs.uncompress(b) })
try {
  const native = require("snappy") as { compressSync(b: Uint8Array): Uint8Array; uncompressSync(b: Uint8Array): Uint8Array }
  native.uncompressSync(native.compressSync(new Uint8Array(8)))
  codecs.push({ name: "native", compress: (b) => native.compressSync(b), decompress: (b) => native.uncompressSync(b) })
} catch (e) {
  console.log(`native snappy does not load here: ${(e as Error).message.split("\n")[0]}`)
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-snappy-bench-"))

/** LevelDB db_bench's values: random 50-byte pieces repeated to 100 bytes (compressible to ~half). */
const dbBenchValue = (i: number): Uint8Array => {
  const v = new Uint8Array(100)
  let x = (i * 2654435761 + 1) >>> 0
  for (let j = 0; j < 50; j++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    v[j] = 32 + ((x >>> 16) % 95)
  }
  v.copyWithin(50, 0, 50)
  return v
}

const te = new TextEncoder()
const jsonValue = (i: number): Uint8Array =>
  te.encode(
    JSON.stringify({
      id: i,
      user: `user${i % 997}`,
      email: `user${i % 997}@example.com`,
      active: i % 3 === 0,
      score: (i * 37) % 1000,
      tags: ["a", "b", `t${i % 17}`],
    }),
  )

const blocksOf = async (value: (i: number) => Uint8Array, n: number): Promise<Uint8Array[]> => {
  const file = path.join(dir, `${value.name}.ldb`)
  const b = TableBuilder.create(file, { compression: "none", sync: false })
  for (let i = 0; i < n; i++) b.addEntry(te.encode(`user${String(i).padStart(12, "0")}`), i + 1, 1, value(i))
  await b.finish()
  const t = Table.open(file)
  const bytes = fs.readFileSync(file)
  const out: Uint8Array[] = []
  const it = t.index.iterator((a, ao, al, c, co, cl) => Buffer.compare(a.subarray(ao, ao + al), c.subarray(co, co + cl)))
  for (it.seekToFirst(); it.valid(); it.next()) {
    const h = t.handleAt(t.indexHandle, it.value())
    out.push(new Uint8Array(bytes.subarray(h.offset, h.offset + h.size)))
  }
  t.close()
  return out
}

/** Milliseconds of one pass of `f` over all blocks. */
const pass = (blocks: ReadonlyArray<Uint8Array>, f: (b: Uint8Array) => unknown): number => {
  const t0 = performance.now()
  for (const b of blocks) f(b)
  return performance.now() - t0
}

/**
 * The machine is shared: candidates take turns, round after round, and each keeps its best
 * pass, so a busy moment hurts them all alike rather than whichever ran then.
 */
const ROUNDS = 12

const runtime =
  typeof (globalThis as { Bun?: unknown }).Bun !== "undefined"
    ? "bun"
    : typeof (globalThis as { Deno?: unknown }).Deno !== "undefined"
      ? "deno"
      : `node ${process.versions.node}`

for (const [name, value] of [
  ["db_bench values (100 B, ~50% compressible)", dbBenchValue],
  ["JSON documents (~110 B)", jsonValue],
] as const) {
  const blocks = await blocksOf(value, 200_000)
  const bytes = blocks.reduce((n, b) => n + b.length, 0)
  console.log(`\n${runtime}: ${name}: ${blocks.length} blocks, ${(bytes / 1e6).toFixed(1)} MB`)
  const compressed = codecs.map((c) => blocks.map((b) => c.compress(b)))
  codecs.forEach((c, ci) => {
    // Every candidate reads every other's output: the formats agree.
    for (const d of codecs) {
      for (let i = 0; i < blocks.length; i += 97) {
        if (Buffer.compare(d.decompress(compressed[ci]![i]!), blocks[i]!) !== 0) throw new Error(`${d.name} cannot read ${c.name}`)
      }
    }
  })
  const enc = codecs.map(() => Number.POSITIVE_INFINITY)
  const dec = codecs.map(() => Number.POSITIVE_INFINITY)
  for (let r = 0; r < ROUNDS; r++) {
    codecs.forEach((c, ci) => {
      enc[ci] = Math.min(enc[ci]!, pass(blocks, c.compress))
      dec[ci] = Math.min(dec[ci]!, pass(compressed[ci]!, c.decompress))
    })
  }
  codecs.forEach((c, ci) => {
    const ratio = compressed[ci]!.reduce((n, b) => n + b.length, 0) / bytes
    const mbs = (ms: number): string => (bytes / 1e3 / ms).toFixed(0).padStart(5)
    console.log(`  ${c.name.padEnd(9)} encode ${mbs(enc[ci]!)} MB/s   decode ${mbs(dec[ci]!)} MB/s   ratio ${ratio.toFixed(3)}`)
  })
}
fs.rmSync(dir, { recursive: true, force: true })
