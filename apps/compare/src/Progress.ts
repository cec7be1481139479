/**
 * What the user sees while the matrix runs: on a terminal, one cli-progress bar per run
 * (time or ops done, live ops/s), left on screen when the run ends; elsewhere (CI logs,
 * tests) one plain line per finished run.
 */
import { performance } from "node:perf_hooks"
import cliProgress from "cli-progress"
import type { Round } from "./Round.ts"
import type { RunProgress } from "./runWorkload.ts"

export interface RunTicket {
  readonly label: string
  readonly index: number
  readonly total: number
  readonly seconds: number | null
  readonly maxOps: number | null
  readonly progress: RunProgress
}

export interface Progress {
  /** A status line outside any run (warm-up). */
  note(text: string): void
  start(run: RunTicket): void
  /** A round ended: its measurement, or why it failed. */
  finish(run: RunTicket, round: Round | undefined, failure: string | null): void
}

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US")

const outcome = (r: Round | undefined, failure: string | null): string => {
  if (r === undefined) return failure ?? "failed"
  const l = r.latency.summary()
  return (
    `${fmt(r.opsPerSec)} ops/s  p50 ${fmt(l.p50)} µs  p99 ${fmt(l.p99)} µs` +
    (r.stats === null || r.stats.groups === 0 ? "" : `  group ${r.stats.meanGroupSize.toFixed(1)}`) +
    `  load ${r.load.end.toFixed(1)}`
  )
}

const head = (run: RunTicket): string => `[${String(run.index + 1).padStart(String(run.total).length)}/${run.total}] ${run.label}`

/** A progress display on `stream`: bars when it is a terminal, lines otherwise. */
export const makeProgress = (stream: NodeJS.WriteStream = process.stderr): Progress => {
  if (!stream.isTTY) {
    const began = performance.now()
    const at = (): string => `+${((performance.now() - began) / 1000).toFixed(1)}s`
    return {
      note: (text) => void stream.write(`${at()} ${text}\n`),
      start: () => {},
      finish: (run, r, failure) => void stream.write(`${at()} ${head(run)}  ${outcome(r, failure)}\n`),
    }
  }
  let bar: cliProgress.SingleBar | undefined
  let timer: ReturnType<typeof setInterval> | undefined
  return {
    // Overwritten in place by the next note or bar.
    note: (text) => void stream.write(`\r${text.padEnd(70)}\r`),
    start(run) {
      const started = performance.now()
      bar = new cliProgress.SingleBar(
        { stream, format: `${head(run).padEnd(58)} {bar} {percentage}% {info}`, hideCursor: false, barsize: 20, clearOnComplete: false },
        cliProgress.Presets.shades_classic,
      )
      bar.start(1000, 0, { info: "" })
      const tick = (): void => {
        const elapsed = (performance.now() - started) / 1000
        const byTime = run.seconds === null ? 0 : elapsed / run.seconds
        const byOps = run.maxOps === null ? 0 : run.progress.done / run.maxOps
        bar?.update(Math.min(999, Math.round(Math.max(byTime, byOps) * 1000)), { info: `${fmt(run.progress.done)} writes` })
      }
      timer = setInterval(tick, 100)
      timer.unref()
    },
    finish(_run, r, failure) {
      if (timer !== undefined) clearInterval(timer)
      bar?.update(1000, { info: outcome(r, failure) })
      bar?.stop()
      bar = undefined
    },
  }
}
