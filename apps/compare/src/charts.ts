/**
 * The report's charts as Vega-Lite specs, built from the report's rows. Each is a line
 * chart with points (one point per run), faceted by durability mode, so a reader
 * compares engines at the same writer count and mode side by side.
 */
import type { TopLevelSpec } from "vega-lite"
import { type Ratio, ratios } from "./analyze.ts"
import { engineLabel } from "./Engine.ts"
import type { Report, Result } from "./Report.ts"
import type { Workload } from "./Workload.ts"

export interface Chart {
  readonly id: string
  readonly title: string
  readonly spec: TopLevelSpec
}

const mode = (r: { readonly sync: boolean }): string => (r.sync ? "sync" : "no-sync")
const ran = (report: Report): Result[] => report.results.filter((r) => r.skipped === null && r.ops > 0)

const writersAxis = { field: "writers", type: "ordinal", title: "writers", sort: "ascending", axis: { labelAngle: 0 } } as const
const modeColumn = {
  field: "mode",
  type: "nominal",
  title: null,
  sort: ["sync", "no-sync"] as string[],
  header: { labelFontSize: 13, labelFontWeight: "bold" },
} as const
const engineColor = { field: "engine", type: "nominal", title: "engine", legend: { orient: "right" } } as const
const cell = { width: 300, height: 200 } as const

const lineWithPoints = { type: "line", point: { filled: true, size: 60 }, tooltip: true } as const

const throughput = (report: Report, workload: Workload): Chart | null => {
  const rows = ran(report)
    .filter((r) => r.workload === workload)
    .map((r) => ({ engine: engineLabel(r.engine, r.strategy), mode: mode(r), writers: r.writers, opsPerSec: Math.round(r.opsPerSec) }))
  if (rows.length === 0) return null
  return {
    id: `throughput-${workload}`,
    title: `${workload}: throughput (writes/s, log scale)`,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values: rows },
      facet: { column: modeColumn },
      spec: {
        ...cell,
        mark: lineWithPoints,
        encoding: {
          x: writersAxis,
          y: { field: "opsPerSec", type: "quantitative", scale: { type: "log" }, title: "ops/s" },
          color: engineColor,
        },
      },
      resolve: { scale: { y: "independent" } },
    },
  }
}

const latency = (report: Report): Chart | null => {
  const rows = ran(report).flatMap((r) =>
    (["p50", "p99"] as const).map((p) => ({
      engine: engineLabel(r.engine, r.strategy),
      workload: r.workload,
      mode: mode(r),
      writers: r.writers,
      percentile: p,
      micros: Math.max(1, r.latencyUs[p]),
    })),
  )
  if (rows.length === 0) return null
  return {
    id: "latency",
    title: "Write latency p50 (solid) and p99 (dashed), µs, log scale",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values: rows },
      facet: { row: { field: "workload", type: "nominal", title: null }, column: modeColumn },
      spec: {
        ...cell,
        mark: lineWithPoints,
        encoding: {
          x: writersAxis,
          y: { field: "micros", type: "quantitative", scale: { type: "log" }, title: "µs" },
          color: engineColor,
          strokeDash: { field: "percentile", type: "nominal", title: "percentile" },
          detail: { field: "percentile" },
        },
      },
    },
  }
}

const groups = (report: Report): Chart | null => {
  const rows = ran(report)
    .filter((r) => r.groups !== null && r.groups.count > 0)
    .map((r) => ({
      engine: engineLabel(r.engine, r.strategy),
      workload: r.workload,
      mode: mode(r),
      writers: r.writers,
      meanSize: r.groups?.meanSize ?? 0,
    }))
  if (rows.length === 0) return null
  return {
    id: "groups",
    title: "Mean write-group size vs writers (limit-sync groups perfectly: size = writers)",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values: rows },
      facet: { row: { field: "workload", type: "nominal", title: null }, column: modeColumn },
      spec: {
        ...cell,
        mark: lineWithPoints,
        encoding: { x: writersAxis, y: { field: "meanSize", type: "quantitative", title: "writers per group" }, color: engineColor },
      },
    },
  }
}

const ratioChart = (rows: readonly Ratio[], by: "vsLimit" | "vsBestPeer"): Chart | null => {
  const values = rows
    .filter((r) => r[by] !== null)
    .map((r) => ({
      engine: r.label,
      workload: r.workload,
      mode: mode(r),
      writers: r.writers,
      ratio: r[by],
      against: by === "vsLimit" ? r.limit : r.bestPeer,
    }))
  if (values.length === 0) return null
  return {
    id: by === "vsLimit" ? "ratio-limit" : "ratio-peer",
    title:
      by === "vsLimit"
        ? "writepath / limit (limit-sync for sync, limit-memtable for no-sync): 1 = the limit"
        : "writepath / best peer of the same cell: above 1 = ahead of every peer",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      data: { values },
      facet: { row: { field: "workload", type: "nominal", title: null }, column: modeColumn },
      spec: {
        ...cell,
        layer: [
          {
            mark: lineWithPoints,
            encoding: {
              x: writersAxis,
              y: { field: "ratio", type: "quantitative", scale: { type: "log" }, title: "ratio (log scale)" },
              color: engineColor,
            },
          },
          { mark: { type: "rule", strokeDash: [4, 4], color: "#444" }, encoding: { y: { datum: 1 } } },
        ],
      },
    },
  }
}

/** Every chart the report has data for, in page order. */
export const charts = (report: Report): Chart[] => {
  const workloadsRun = [...new Set(ran(report).map((r) => r.workload))]
  const r = ratios(report.results)
  return [
    ...workloadsRun.map((w) => throughput(report, w)),
    latency(report),
    groups(report),
    ratioChart(r, "vsLimit"),
    ratioChart(r, "vsBestPeer"),
  ].filter((c): c is Chart => c !== null)
}
