/**
 * The self-contained HTML report: charts compiled from Vega-Lite and rendered to SVG
 * here, at report time, by Vega's headless view (no canvas, no browser), then inlined.
 * The page has no scripts and fetches nothing, so it opens anywhere, offline.
 */
import * as vega from "vega"
import * as vegaLite from "vega-lite"
import { adviceText, advise } from "./advice.ts"
import { ratios, verdicts } from "./analyze.ts"
import { cellCharts } from "./cellCharts.ts"
import { charts } from "./charts.ts"
import { engineLabel } from "./Engine.ts"
import type { Report } from "./Report.ts"

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c)

const int = (n: number): string => Math.round(n).toLocaleString("en-US")

/** Renders one Vega-Lite spec to an SVG string. */
export const renderSvg = async (spec: vegaLite.TopLevelSpec): Promise<string> => {
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none", logLevel: vega.Warn })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

const resultsTable = (report: Report): string => {
  const rows = report.results
    .filter((r) => r.skipped === null)
    .map(
      (r) =>
        `<tr${r.roundLoads.some((l) => l.overloaded) ? ' class="overloaded"' : ""}><td>${r.workload}</td><td>${r.sync ? "on" : "off"}</td><td>${r.writers}</td><td>${escapeHtml(engineLabel(r.engine, r.strategy, r.variant))}</td>` +
        `<td>${int(r.opsPerSec)}</td><td>${int(r.opsPerSecMin)}..${int(r.opsPerSecMax)}</td><td>${r.rounds.map(int).join(" ")}</td>` +
        `<td>${r.roundLoads.map((l) => `${l.start.toFixed(1)}-${l.end.toFixed(1)}${l.overloaded ? "!" : ""}`).join(" ")}</td><td>${int(r.latencyUs.p50)}</td><td>${int(r.latencyUs.p99)}</td><td>${int(r.latencyUs.max)}</td>` +
        `<td>${r.groups === null ? "" : r.groups.meanSize.toFixed(1)}</td><td>${r.walSyncs ?? ""}</td><td>${r.readsPerSec === null ? "" : int(r.readsPerSec)}</td></tr>`,
    )
  return (
    `<table><thead><tr><th>workload</th><th>sync</th><th>writers</th><th>engine</th><th>ops/s (median)</th><th>min..max</th><th>rounds</th><th>load avg per round</th><th>p50 µs</th><th>p99 µs</th>` +
    `<th>max µs</th><th>group</th><th>WAL syncs</th><th>reads/s</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
  )
}

const skippedList = (report: Report): string => {
  const seen = new Map<string, Set<string>>()
  for (const r of report.results)
    if (r.skipped !== null) {
      const key = `${engineLabel(r.engine, r.strategy, r.variant)}: ${r.skipped}`
      seen.set(key, (seen.get(key) ?? new Set()).add(r.workload))
    }
  if (seen.size === 0) return "<p>Nothing was skipped.</p>"
  return `<ul>${[...seen].map(([k, w]) => `<li>${escapeHtml(k)} <small>(${[...w].join(", ")})</small></li>`).join("")}</ul>`
}

const style = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
figure { margin: 1rem 0; overflow-x: auto; } figcaption { font-weight: 600; margin-bottom: .4rem; }
table { border-collapse: collapse; font-size: 12px; } td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
td:nth-child(-n+4), th:nth-child(-n+4) { text-align: left; } .meta { color: #555; }
tr.overloaded td { background: #fff3cd; } #advice li { margin: .3rem 0; } #advice code { background: #f3f3f3; padding: 0 3px; }`

/** The whole page. */
export const renderHtml = async (report: Report): Promise<string> => {
  const figures: string[] = []
  for (const c of [...cellCharts(report), ...(report.settings.full ? charts(report) : [])])
    figures.push(`<figure class="chart" id="${c.id}"><figcaption>${escapeHtml(c.title)}</figcaption>${await renderSvg(c.spec)}</figure>`)
  const haveRatios = ratios(report.results).length > 0
  const verdictItems = verdicts(report.results).map((v) => `<li><b>${v.workload}</b>: ${escapeHtml(v.text)}</li>`)
  const adviceItems = advise(report.results).map((a) => `<li>${escapeHtml(adviceText(a))}</li>`)
  const overloaded = report.results.reduce((n, r) => n + r.roundLoads.filter((l) => l.overloaded).length, 0)
  const roundsRun = report.results.reduce((n, r) => n + r.rounds.length, 0)
  const s = report.settings
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>writepath compare: ${escapeHtml(report.runtime)}, ${escapeHtml(report.startedAt)}</title>
<style>${style}</style></head><body>
<h1>writepath: write strategies vs peers vs limits</h1>
<p class="meta">Produced by <b id="runtime">${escapeHtml(report.runtime)}</b> on ${report.machine.cpus} CPUs (${escapeHtml(report.machine.cpuModel)}),
${report.machine.memGiB} GiB, ${escapeHtml(report.machine.platform)}; ${report.uvThreadpoolSize === null ? "no libuv thread pool" : `libuv thread pool ${report.uvThreadpoolSize}`}. Started ${escapeHtml(report.startedAt)}.
Writers ${s.writers.join(", ")}; keys ${s.keySize} B, values ${s.valueSize} B; ${
    s.budgetSeconds === null ? "" : `time budget ${s.budgetSeconds} s split over the runs; `
  }${s.maxOps === null ? "" : `at most ${s.maxOps} writes per run; `}closed loop (each writer awaits its own write).</p>
<h2>Which strategy to use</h2><ul id="advice">${adviceItems.length > 0 ? adviceItems.join("") : "<li>No writepath strategy ran.</li>"}</ul>
<p class="meta">${s.rounds} interleaved rounds per cell (headline cells ${s.headlineSeconds} s per round); ${overloaded} of ${roundsRun} rounds ran with the load average above ${report.machine.cpus} (the core count), marked in the table.</p>
<h2>Verdicts</h2><ul id="verdicts">${verdictItems.join("")}</ul>
${haveRatios ? "" : "<p><b>No writepath strategy ran</b>, so there are no writepath ratios yet; see Skipped.</p>"}
<h2>Charts</h2>${figures.join("\n")}
<h2>All runs</h2>${resultsTable(report)}
<h2>Skipped</h2>${skippedList(report)}
</body></html>
`
}
