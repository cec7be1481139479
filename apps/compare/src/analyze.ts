/**
 * Turns results into comparisons: each writepath strategy against the limits and the
 * best peer measured in the same cell (workload, durability mode, writers), and one
 * verdict line per workload. Used by the table, the HTML report and the README.
 */
import { engineLabel } from "./Engine.ts"
import type { Result } from "./Report.ts"
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
        label: engineLabel(r.engine, r.strategy),
        workload: r.workload,
        sync: r.sync,
        writers: r.writers,
        opsPerSec: r.opsPerSec,
        limit: limit?.engine ?? null,
        vsLimit: limit === undefined ? null : r.opsPerSec / limit.opsPerSec,
        bestPeer: peer === undefined ? null : engineLabel(peer.engine, peer.strategy),
        vsBestPeer: peer === undefined ? null : r.opsPerSec / peer.opsPerSec,
      }
    })

const ops = (n: number): string => `${Math.round(n).toLocaleString("en-US")} ops/s`
const x = (n: number): string => `${n >= 10 ? n.toFixed(0) : n.toFixed(2)}x`

const verdictFor = (rows: readonly Result[], all: readonly Result[], sync: boolean): string | null => {
  const mode = rows.filter((r) => r.sync === sync)
  if (mode.length === 0) return null
  const writers = Math.max(...mode.map((r) => r.writers))
  const cell = mode.filter((r) => r.writers === writers)
  const head = `${sync ? "sync" : "no-sync"}, ${writers} writers:`
  const strategies = cell.filter((r) => r.engine === "writepath").sort((a, b) => b.opsPerSec - a.opsPerSec)
  const peer = best(cell.filter(isPeer))
  const winner = strategies[0]
  const limit = winner === undefined ? undefined : limitFor(winner, all)
  if (winner !== undefined) {
    const parts = [`${winner.strategy} wins with ${ops(winner.opsPerSec)}`]
    const second = strategies[1]
    if (second !== undefined) parts.push(`${x(winner.opsPerSec / second.opsPerSec)} ${second.strategy}`)
    if (peer !== undefined) parts.push(`${x(winner.opsPerSec / peer.opsPerSec)} the best peer (${engineLabel(peer.engine, peer.strategy)})`)
    if (limit !== undefined) parts.push(`${x(winner.opsPerSec / limit.opsPerSec)} ${limit.engine}`)
    return `${head} ${parts.join(", ")}.`
  }
  if (peer === undefined) return null
  const peerLimit = limitFor(peer, all)
  return `${head} no writepath strategy ran; best peer ${engineLabel(peer.engine, peer.strategy)} with ${ops(peer.opsPerSec)}${
    peerLimit === undefined ? "" : `, ${x(peer.opsPerSec / peerLimit.opsPerSec)} ${peerLimit.engine}`
  }.`
}

/** One short verdict per workload that ran: who wins at the largest writer count, and by how much. */
export const verdicts = (results: readonly Result[]): { readonly workload: Workload; readonly text: string }[] => {
  const done = ran(results)
  const order = [...new Set(results.map((r) => r.workload))]
  return order.flatMap((workload) => {
    const rows = done.filter((r) => r.workload === workload)
    const lines = [verdictFor(rows, done, true), verdictFor(rows, done, false)].filter((s): s is string => s !== null)
    const wp = results.find((r) => r.workload === workload && r.engine === "writepath" && r.skipped !== null)
    if (lines.length === 0) {
      const why = results.find((r) => r.workload === workload && r.skipped !== null)?.skipped
      return [{ workload, text: `nothing ran${why === undefined ? "" : ` (${why})`}.` }]
    }
    if (!rows.some((r) => r.engine === "writepath") && wp !== undefined) lines.push(`(writepath skipped: ${wp.skipped})`)
    return [{ workload, text: lines.join(" ") }]
  })
}
