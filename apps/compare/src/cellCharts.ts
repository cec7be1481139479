/**
 * The report's main charts, one pair per chart cell (the headline cells first, then every
 * cell at the largest writer count): a horizontal bar chart of median ops/s with the rounds'
 * min-max as a range bar (writepath's strategies in one blue family, peers in grey, limits
 * as dashed rules), and a latency CDF over all rounds merged. Then one chart of mean
 * write-group size per strategy beside RocksDB's own modes.
 */
import type { TopLevelSpec } from "vega-lite"
import type { Chart } from "./charts.ts"
import { engineLabel } from "./Engine.ts"
import type { Report, Result } from "./Report.ts"

const schema = "https://vega.github.io/schema/vega-lite/v6.json"
const blues = ["#08306b", "#2171b5", "#4292c6", "#6baed6", "#9ecae1", "#c6dbef"]
const greys = ["#252525", "#525252", "#737373", "#969696", "#bdbdbd", "#d9d9d9"]

const ran = (report: Report): Result[] => report.results.filter((r) => r.skipped === null && r.ops > 0)
const label = (r: Result): string => engineLabel(r.engine, r.strategy, r.variant)
const isLimit = (r: Result): boolean => r.engine.startsWith("limit-")
const cellKey = (r: Result): string => `${r.workload}|${r.sync}|${r.writers}`
export const cellTitle = (r: Pick<Result, "workload" | "sync" | "writers">): string =>
  `${r.workload}, ${r.sync ? "sync" : "no-sync"}, ${r.writers} writers`
export const cellId = (r: Pick<Result, "workload" | "sync" | "writers">): string =>
  `${r.workload}-${r.sync ? "sync" : "nosync"}-${r.writers}`

/** Cells that get charts: the headline cells first, then every other cell at the largest writer count. */
export const chartCells = (report: Report): Result[][] => {
  const rows = ran(report)
  const byCell = new Map<string, Result[]>()
  for (const r of rows) byCell.set(cellKey(r), [...(byCell.get(cellKey(r)) ?? []), r])
  const cells = [...byCell.values()]
  const most = Math.max(0, ...rows.map((r) => r.writers))
  const headline = cells.filter((c) => c.some((r) => r.headline))
  return [...headline, ...cells.filter((c) => !headline.includes(c) && c[0]?.writers === most)]
}

/** Engine colours: strategies blue, peers grey (report order), so a reader sees writepath vs the rest at a glance. */
const colourScale = (rows: readonly Result[]): { domain: string[]; range: string[] } => {
  const strategies = [...new Set(rows.filter((r) => r.engine === "writepath").map(label))]
  const peers = [...new Set(rows.filter((r) => r.engine !== "writepath" && !isLimit(r)).map(label))]
  return {
    domain: [...strategies, ...peers],
    range: [...strategies.map((_, i) => blues[i % blues.length] as string), ...peers.map((_, i) => greys[i % greys.length] as string)],
  }
}

const bars = (cell: readonly Result[]): Chart => {
  const first = cell[0] as Result
  const engines = cell.filter((r) => !isLimit(r))
  const limits = cell.filter(isLimit)
  const values = engines.map((r) => ({
    engine: label(r),
    opsPerSec: Math.round(r.opsPerSec),
    min: Math.round(r.opsPerSecMin),
    max: Math.round(r.opsPerSecMax),
    rounds: r.rounds.map((n) => Math.round(n)).join(", "),
  }))
  const rules = limits.map((r) => ({ limit: label(r), opsPerSec: Math.round(r.opsPerSec) }))
  const y = { field: "engine", type: "nominal", sort: null, title: null, axis: { labelLimit: 320 } } as const
  const spec: TopLevelSpec = {
    $schema: schema,
    width: 560,
    height: { step: 22 },
    layer: [
      {
        data: { values },
        mark: { type: "bar", tooltip: true },
        encoding: {
          y,
          x: { field: "opsPerSec", type: "quantitative", title: "ops/s (median of the rounds; bar = min..max)" },
          color: { field: "engine", type: "nominal", scale: colourScale(cell), legend: null },
        },
      },
      {
        data: { values },
        mark: { type: "rule", color: "#d62728", strokeWidth: 2 },
        encoding: { y, x: { field: "min", type: "quantitative" }, x2: { field: "max" } },
      },
      ...(rules.length === 0
        ? []
        : [
            {
              data: { values: rules },
              mark: { type: "rule" as const, strokeDash: [5, 3], color: "#000" },
              encoding: { x: { field: "opsPerSec", type: "quantitative" as const } },
            },
            {
              data: { values: rules },
              mark: { type: "text" as const, angle: 270, align: "left" as const, dx: -4, dy: -4, fontSize: 10 },
              encoding: { x: { field: "opsPerSec", type: "quantitative" as const }, y: { value: 0 }, text: { field: "limit" } },
            },
          ]),
    ],
  }
  return { id: `bars-${cellId(first)}`, title: `${cellTitle(first)}: ops/s`, spec }
}

const cdf = (cell: readonly Result[]): Chart => {
  const first = cell[0] as Result
  const values = cell
    .filter((r) => !isLimit(r))
    .flatMap((r) => r.latencyUs.cdf.map(([p, us]) => ({ engine: label(r), percentile: p, micros: Math.max(1, us) })))
  return {
    id: `cdf-${cellId(first)}`,
    title: `${cellTitle(first)}: write latency CDF (all rounds merged)`,
    spec: {
      $schema: schema,
      width: 560,
      height: 240,
      data: { values },
      mark: { type: "line", point: { filled: true, size: 18 }, tooltip: true, interpolate: "step-after" },
      encoding: {
        x: { field: "micros", type: "quantitative", scale: { type: "log" }, title: "latency µs (log scale)" },
        y: { field: "percentile", type: "quantitative", title: "percentile", scale: { domain: [0, 100] } },
        color: { field: "engine", type: "nominal", scale: colourScale(cell), legend: { orient: "right", labelLimit: 320 } },
      },
    },
  }
}

const groups = (cells: readonly (readonly Result[])[]): Chart | null => {
  const values = cells.flatMap((cell) =>
    cell
      .filter((r) => (r.engine === "writepath" || r.engine === "rocksdb-cpp") && r.groups !== null && r.groups.count > 0)
      .map((r) => ({ cell: cellTitle(r), engine: label(r), meanSize: Math.round((r.groups?.meanSize ?? 0) * 10) / 10 })),
  )
  if (values.length === 0) return null
  const all = cells.flat()
  return {
    id: "groups-vs-rocksdb",
    title: "Mean write-group size: writepath's strategies (blue) beside RocksDB's own modes (grey)",
    spec: {
      $schema: schema,
      data: { values },
      facet: { row: { field: "cell", type: "nominal", title: null, header: { labelAngle: 0, labelAlign: "left" } } },
      spec: {
        width: 480,
        height: { step: 20 },
        mark: { type: "bar", tooltip: true },
        encoding: {
          y: { field: "engine", type: "nominal", sort: null, title: null, axis: { labelLimit: 320 } },
          x: { field: "meanSize", type: "quantitative", title: "writers per group" },
          color: { field: "engine", type: "nominal", scale: colourScale(all), legend: null },
        },
      },
      resolve: { scale: { y: "independent" } },
    },
  }
}

/** The bar chart and CDF of every chart cell, then the group sizes. */
export const cellCharts = (report: Report): Chart[] => {
  const cells = chartCells(report)
  return [...cells.flatMap((c) => [bars(c), cdf(c)]), groups(cells)].filter((c): c is Chart => c !== null)
}
