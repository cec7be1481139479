/**
 * Encode + decode throughput of 1M puts (16-byte keys, 100-byte values).
 * A program, not a test: prints one JSON object. Median of `RUNS` runs.
 *   pnpm bench:batch [--n 1000000] [--runs 5]
 */
import { parseArgs } from "node:util"
import { WriteBatch } from "../src/index.ts"

const { values } = parseArgs({ options: { n: { type: "string", default: "1000000" }, runs: { type: "string", default: "5" } } })
const N = Number(values.n)
const RUNS = Number(values.runs)

const keys: Uint8Array[] = []
const value = new Uint8Array(100).fill(0x61)
for (let i = 0; i < N; i++) {
  const k = new Uint8Array(16)
  new DataView(k.buffer).setUint32(12, i)
  keys.push(k)
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const time = (f: () => void): number => {
  const t0 = performance.now()
  f()
  return (performance.now() - t0) / 1000
}

let sink = 0
const handler = { put: (_cf: number, k: Uint8Array, v: Uint8Array) => void (sink += k.length + v.length) }

const results: Record<string, unknown> = {}
const one = (name: string, encode: () => WriteBatch[], bytesOf: (bs: WriteBatch[]) => number) => {
  const enc: number[] = []
  const dec: number[] = []
  let bytes = 0
  for (let r = 0; r < RUNS; r++) {
    let bs: WriteBatch[] = []
    enc.push(time(() => (bs = encode())))
    bytes = bytesOf(bs)
    dec.push(
      time(() => {
        for (const b of bs) b.iterate(handler)
      }),
    )
  }
  const e = median(enc)
  const d = median(dec)
  results[name] = {
    puts: N,
    bytes,
    encodePutsPerSec: Math.round(N / e),
    encodeMBps: +(bytes / e / 1e6).toFixed(1),
    decodePutsPerSec: Math.round(N / d),
    decodeMBps: +(bytes / d / 1e6).toFixed(1),
  }
}

// One batch per put: the per-write path of a single-key Put.
one(
  "batchPerPut",
  () => {
    const out = new Array<WriteBatch>(N)
    for (let i = 0; i < N; i++) out[i] = new WriteBatch({ reservedBytes: 140 }).put(keys[i]!, value)
    return out
  },
  (bs) => bs.reduce((a, b) => a + b.byteSize, 0),
)
// One batch holding every put: a bulk load / group merge.
one(
  "singleBatch",
  () => {
    const b = new WriteBatch({ reservedBytes: N * 120 })
    for (let i = 0; i < N; i++) b.put(keys[i]!, value)
    return [b]
  },
  (bs) => bs[0]!.byteSize,
)

console.log(
  JSON.stringify(
    { bench: "batch.encodeDecode", runtime: `node ${process.version}`, keySize: 16, valueSize: 100, runs: RUNS, results, sink: sink > 0 },
    null,
    2,
  ),
)
