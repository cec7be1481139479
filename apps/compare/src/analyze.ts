/**
 * Turns results into comparisons: each writepath strategy against the limits and the
 * best peer measured in the same cell (workload, durability mode, writers), and the target
 * lines (ahead / behind / within noise, from the rounds' ranges) per workload. Used by the
 * table, the HTML report and the README.
 */
import { engineLabel } from "./Engine.ts"
import type { Result } from "./Report.ts"
import { rangeVerdict, type Verdict } from "./verdict.ts"
import type { Workload } from "./Workload.ts"

export interface Ratio {
  readonly label: string
  readonly workload: Workload
  readonly sync: boolean
  readonly writers: number
  readonly opsPerSec: number
  /** The limit compared with: limit-sync for sync runs, limit-memtable (else limit-sync) without. */
  readonly limit: string | null
  readonly vsLimit: number | null
  readonly bestPeer: string | null
  readonly vsBestPeer: number | null
}

const ran = (results: readonly Result[]): Result[] => results.filter((r) => r.skipped === null && r.ops > 0)

const sameCell = (a: Result, b: Result): boolean => a.workload === b.workload && a.sync === b.sync && a.writers === b.writers

const isPeer = (r: Result): boolean => r.strategy === null && !r.engine.startsWith("limit-")

const best = (rows: readonly Result[]): Result | undefined =>
  rows.reduce<Result | undefined>((b, r) => (b === undefined || r.opsPerSec > b.opsPerSec ? r : b), undefined)

/** The limit a row is measured against, from the same cell. */
export const limitFor = (row: Result, results: readonly Result[]): Result | undefined => {
  const cell = ran(results).filter((r) => sameCell(r, row))
  const named = (name: string): Result | undefined => cell.find((r) => r.engine === name)
  return row.sync ? named("limit-sync") : (named("limit-memtable") ?? named("limit-sync"))
}

/** The fastest peer of a row's cell. */
export const bestPeerFor = (row: Result, results: readonly Result[]): Result | undefined =>
  best(ran(results).filter((r) => isPeer(r) && sameCell(r, row)))

/** One ratio row per writepath run. */
export const ratios = (results: readonly Result[]): Ratio[] =>
  ran(results)
    .filter((r) => r.engine === "writepath")
    .map((r) => {
      const limit = limitFor(r, results)
      const peer = bestPeerFor(r, results)
      return {
        label: engineLabel(r.engine, r.strategy, r.variant),
        workload: r.workload,
        sync: r.sync,
        writers: r.writers,
        opsPerSec: r.opsPerSec,
        limit: limit?.engine ?? null,
        vsLimit: limit === undefined ? null : r.opsPerSec / limit.opsPerSec,
        bestPeer: peer === undefined ? null : engineLabel(peer.engine, peer.strategy, peer.variant),
        vsBestPeer: peer === undefined ? null : r.opsPerSec / peer.opsPerSec,
      }
    })

const ops = (n: number): string => `${Math.round(n).toLocaleString("en-US")} ops/s`
const x = (n: number): string => `${n >= 10 ? n.toFixed(0) : n.toFixed(2)}x`

/** One target line: a writepath strategy against a peer or a limit of the same cell. */
export interface TargetLine {
  readonly workload: Workload
  readonly sync: boolean
  readonly writers: number
  readonly subject: string
  readonly against: string
  readonly ratio: number
  readonly verdict: Verdict
}

const label = (r: Result): string => engineLabel(r.engine, r.strategy, r.variant)

/** The limits a cell's rows are measured against: the durable ones for sync runs, the in-memory one (else the no-fsync log) without. */
const limitsOf = (cell: readonly Result[], sync: boolean): Result[] =>
  (sync ? ["limit-sync", "limit-device"] : ["limit-memtable", "limit-sync"]).flatMap((n) => cell.filter((r) => r.engine === n))

/** The fastest strategy of each cell at a workload's largest writer count, against the best peer, the best rocksdb-cpp mode and the limits. */
export const targetLines = (results: readonly Result[]): TargetLine[] => {
  const done = ran(results)
  const out: TargetLine[] = []
  for (const workload of [...new Set(done.map((r) => r.workload))])
    for (const sync of [true, false]) {
      const mode = done.filter((r) => r.workload === workload && r.sync === sync)
      if (mode.length === 0) continue
      const writers = Math.max(...mode.map((r) => r.writers))
      const cell = mode.filter((r) => r.writers === writers)
      const winner = best(cell.filter((r) => r.engine === "writepath"))
      if (winner === undefined) continue
      const others = [
        best(cell.filter((r) => isPeer(r) && r.engine !== "rocksdb-cpp")),
        best(cell.filter((r) => r.engine === "rocksdb-cpp")),
        ...limitsOf(cell, sync),
      ]
      for (const o of others)
        if (o !== undefined && o.opsPerSec > 0)
          out.push({
            workload,
            sync,
            writers,
            subject: label(winner),
            against: label(o),
            ratio: winner.opsPerSec / o.opsPerSec,
            verdict: rangeVerdict(winner, o),
          })
    }
  return out
}

const phrase = (v: Verdict, against: string): string =>
  v === "behind" ? `behind ${against}` : v === "one round" ? `vs ${against}, one round: no verdict` : `${v} of ${against}`

/** One verdict per workload: its target lines, as text. */
export const verdicts = (results: readonly Result[]): { readonly workload: Workload; readonly text: string }[] => {
  const lines = targetLines(results)
  const order = [...new Set(results.map((r) => r.workload))]
  return order.flatMap((workload) => {
    const mine = lines.filter((l) => l.workload === workload)
    if (mine.length === 0) {
      const done = ran(results).filter((r) => r.workload === workload)
      const alone = best(done.filter((r) => r.engine === "writepath"))
      if (alone !== undefined)
        return [
          {
            workload,
            text: `only ${label(alone)} ran (${ops(alone.opsPerSec)} at ${alone.writers} writers): no peer or limit runs this workload.`,
          },
        ]
      if (done.length > 0) {
        const top = best(done.filter((r) => !r.engine.startsWith("limit-"))) ?? best(done)
        const wp = results.find((r) => r.workload === workload && r.engine === "writepath" && r.skipped !== null)
        return [
          {
            workload,
            text: `no writepath strategy ran${wp === undefined ? "" : ` (${wp.skipped})`}; fastest: ${top === undefined ? "none" : `${label(top)} with ${ops(top.opsPerSec)}`}.`,
          },
        ]
      }
      const why = results.find((r) => r.workload === workload && r.skipped !== null)?.skipped
      return [{ workload, text: `nothing ran${why === undefined ? "" : ` (${why})`}.` }]
    }
    const cells = [...new Set(mine.map((l) => `${l.sync}`))].map((sync) => {
      const cl = mine.filter((l) => `${l.sync}` === sync)
      const first = cl[0] as TargetLine
      return `${first.sync ? "sync" : "no-sync"}, ${first.writers} writers, ${first.subject}: ${cl
        .map((l) => `${phrase(l.verdict, l.against)} (${x(l.ratio)})`)
        .join(", ")}.`
    })
    return [{ workload, text: cells.join(" ") }]
  })
}
