/**
 * YCSB's core workloads A-F as presets (as YCSB's `workloads/workloada`..`workloadf` define
 * them), scaled to the time budget: the record count is the app's preload (10,000 records,
 * loaded untimed) and the operation count is whatever the round's time allows.
 *
 *   A  50% read, 50% update, zipfian        (update heavy)
 *   B  95% read,  5% update, zipfian        (read mostly)
 *   C 100% read, zipfian                    (read only)
 *   D  95% read,  5% insert, latest         (read latest)
 *   E  95% scan,  5% insert, zipfian, scan length uniform in [1, 100]
 *   F  50% read, 50% read-modify-write, zipfian
 *
 * Zipfian is YCSB's ZipfianGenerator (Gray et al., constant 0.99) scrambled by an FNV hash
 * as ScrambledZipfianGenerator does, so hot keys spread over the key space; "latest" is
 * SkewedLatestGenerator: zipfian distance back from the newest insert.
 */

export const ycsbPresets = ["ycsb-a", "ycsb-b", "ycsb-c", "ycsb-d", "ycsb-e", "ycsb-f"] as const
export type YcsbPreset = (typeof ycsbPresets)[number]

export type YcsbOp = "read" | "update" | "insert" | "scan" | "rmw"

interface Mix {
  readonly ops: readonly (readonly [YcsbOp, number])[]
  readonly distribution: "zipfian" | "latest"
}

export const ycsbMixes: Readonly<Record<YcsbPreset, Mix>> = {
  "ycsb-a": {
    ops: [
      ["read", 0.5],
      ["update", 0.5],
    ],
    distribution: "zipfian",
  },
  "ycsb-b": {
    ops: [
      ["read", 0.95],
      ["update", 0.05],
    ],
    distribution: "zipfian",
  },
  "ycsb-c": { ops: [["read", 1]], distribution: "zipfian" },
  "ycsb-d": {
    ops: [
      ["read", 0.95],
      ["insert", 0.05],
    ],
    distribution: "latest",
  },
  "ycsb-e": {
    ops: [
      ["scan", 0.95],
      ["insert", 0.05],
    ],
    distribution: "zipfian",
  },
  "ycsb-f": {
    ops: [
      ["read", 0.5],
      ["rmw", 0.5],
    ],
    distribution: "zipfian",
  },
}

export const isYcsb = (w: string): w is YcsbPreset => (ycsbPresets as readonly string[]).includes(w)

/** YCSB's maxscanlength; scan lengths are uniform in [1, maxScanLength]. */
export const maxScanLength = 100
const zipfianConstant = 0.99

/** Draws item numbers in [0, n) with YCSB's zipfian distribution; `n` may grow (inserts). */
export class Zipfian {
  private n = 0
  private zetan = 0
  private readonly zeta2 = 1 + 1 / 2 ** zipfianConstant
  private readonly alpha = 1 / (1 - zipfianConstant)
  private eta = 0

  private readonly random: () => number

  constructor(n: number, random: () => number) {
    this.random = random
    this.grow(n)
  }

  /** Extends the item count to `n`, adding the new terms to zeta(n) as YCSB does incrementally. */
  grow(n: number): void {
    for (let i = this.n + 1; i <= n; i++) this.zetan += 1 / i ** zipfianConstant
    this.n = Math.max(this.n, n)
    this.eta = (1 - (2 / this.n) ** (1 - zipfianConstant)) / (1 - this.zeta2 / this.zetan)
  }

  next(): number {
    const u = this.random()
    const uz = u * this.zetan
    if (uz < 1) return 0
    if (uz < this.zeta2) return 1
    return Math.min(this.n - 1, Math.floor(this.n * (this.eta * u - this.eta + 1) ** this.alpha))
  }
}

/** FNV-1a over the item's 4 bytes: ScrambledZipfianGenerator's spreading of hot items. */
const fnv = (x: number): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < 4; i++) {
    h ^= (x >>> (i * 8)) & 0xff
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

export interface YcsbRequest {
  readonly op: YcsbOp
  /** Record number (a key made with makeKey). */
  readonly key: number
  /** scan only: records to read. */
  readonly scanLength: number
}

/** The request stream of one preset over `records` preloaded records; inserts append new record numbers. */
export const ycsbRequests = (preset: YcsbPreset, records: number, random: () => number): (() => YcsbRequest) => {
  const mix = ycsbMixes[preset]
  const zipf = new Zipfian(records, random)
  let inserted = records
  return () => {
    let u = random()
    let op: YcsbOp = mix.ops[mix.ops.length - 1]?.[0] ?? "read"
    for (const [o, p] of mix.ops) {
      if (u < p) {
        op = o
        break
      }
      u -= p
    }
    if (op === "insert") {
      const key = inserted++
      zipf.grow(inserted)
      return { op, key, scanLength: 0 }
    }
    const key = mix.distribution === "latest" ? Math.max(0, inserted - 1 - zipf.next()) : fnv(zipf.next()) % inserted
    return { op, key, scanLength: op === "scan" ? 1 + Math.floor(random() * maxScanLength) : 0 }
  }
}
