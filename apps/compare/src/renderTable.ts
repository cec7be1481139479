/** The stdout summary: one row per run that ran, grouped by cell, then what was skipped and why. */
import Table from "cli-table3"
import { adviceText, advise } from "./advice.ts"
import { limitFor } from "./analyze.ts"
import { engineLabel } from "./Engine.ts"
import type { Report } from "./Report.ts"

const int = (n: number): string => Math.round(n).toLocaleString("en-US")

export const renderTable = (report: Report): string => {
  const table = new Table({
    head: [
      "workload",
      "sync",
      "writers",
      "engine",
      "ops/s",
      "min..max",
      "p50 µs",
      "p99 µs",
      "max µs",
      "group",
      "syncs",
      "reads/s",
      "vs limit",
    ],
    colAligns: ["left", "left", "right", "left", "right", "right", "right", "right", "right", "right", "right", "right", "right"],
    style: { head: [], border: [], compact: true },
  })
  const done = report.results.filter((r) => r.skipped === null)
  for (const r of done) {
    const limit = r.engine.startsWith("limit-") ? undefined : limitFor(r, report.results)
    table.push([
      r.workload,
      r.sync ? "on" : "off",
      String(r.writers),
      engineLabel(r.engine, r.strategy, r.variant) + (r.roundLoads.some((l) => l.overloaded) ? " !" : ""),
      int(r.opsPerSec),
      `${int(r.opsPerSecMin)}..${int(r.opsPerSecMax)}`,
      int(r.latencyUs.p50),
      int(r.latencyUs.p99),
      int(r.latencyUs.max),
      r.groups === null ? "" : r.groups.meanSize.toFixed(1),
      r.walSyncs === null ? "" : int(r.walSyncs),
      r.readsPerSec === null ? "" : int(r.readsPerSec),
      limit === undefined ? "" : `${(r.opsPerSec / limit.opsPerSec).toFixed(2)} ${limit.engine}`,
    ])
  }
  // Skips grouped by engine and reason, so four strategies x 30 cells read as one line.
  const skips = new Map<string, Set<string>>()
  for (const r of report.results)
    if (r.skipped !== null) {
      const key = `${engineLabel(r.engine, r.strategy, r.variant)}: ${r.skipped}`
      skips.set(key, (skips.get(key) ?? new Set()).add(r.workload))
    }
  const skipLines = [...skips].map(([key, w]) => `  ${key} [${[...w].join(", ")}]`)
  const head = `${report.runtime} on ${report.machine.cpus} CPUs, ${report.machine.memGiB} GiB, ${report.uvThreadpoolSize === null ? "no libuv thread pool" : `UV_THREADPOOL_SIZE ${report.uvThreadpoolSize}`}`
  const s = report.settings
  const rounds = `${s.rounds} rounds per cell, median ops/s with the rounds' min..max; "!" = a round ran with the load average above ${report.machine.cpus}`
  return [
    head,
    rounds,
    done.length > 0 ? table.toString() : "(no run ran)",
    ...(skipLines.length > 0 ? ["skipped:", ...skipLines] : []),
    "advice:",
    ...adviceLines(report),
  ].join("\n")
}

/** The advice alone (`--advise`), one line per workload and mode. */
export const adviceLines = (report: Report): string[] => {
  const lines = advise(report.results).map((a) => `  ${adviceText(a)}`)
  return lines.length > 0 ? lines : ["  no writepath strategy ran"]
}
