/**
 * The human face of an InspectReport: a few aligned sections (folder files, MANIFEST, tables
 * per level, WALs, orphans), one line per file, problems on an indented `!` line under the
 * file they concern, so `grep '!'` finds every one. Keys are `"text"` (printable ASCII,
 * JSON-quoted) or `0x...`, with `@sequence Type`; long keys are cut to keep one file per line.
 * Pure: report in, text out.
 */
import type { InspectReport, InternalKey, LevelReport, ManifestEdit, PrintableKey, TableReport, WalReport } from "./InspectReport.ts"

/** Longest key text shown before it is cut (the JSON report always has the whole key). */
const MAX_KEY_CHARS = 48

export const keyText = (k: PrintableKey): string => {
  const text = "utf8" in k ? JSON.stringify(k.utf8) : `0x${k.hex}`
  const bytes = "utf8" in k ? k.utf8.length : k.hex.length / 2
  return text.length <= MAX_KEY_CHARS ? text : `${text.slice(0, MAX_KEY_CHARS)}…(${bytes} bytes)`
}

export const internalKeyText = (k: InternalKey): string =>
  "invalid" in k ? `${keyText(k.invalid)} (shorter than an internal key)` : `${keyText(k.user)} @${k.sequence} ${k.typeName}`

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`
/** A problem line, indented two past the file line it belongs to. */
const problem = (indent: number, text: string): string => `${" ".repeat(indent + 2)}! ${text}`

const editLines = (e: ManifestEdit, index: number): string[] => {
  const fields = [
    e.comparator !== undefined ? `comparator ${e.comparator}` : undefined,
    e.logNumber !== undefined ? `log ${e.logNumber}` : undefined,
    e.prevLogNumber !== undefined ? `prev log ${e.prevLogNumber}` : undefined,
    e.nextFileNumber !== undefined ? `next file ${e.nextFileNumber}` : undefined,
    e.lastSequence !== undefined ? `last sequence ${e.lastSequence}` : undefined,
  ].filter((f) => f !== undefined)
  return [
    `  edit ${index + 1} at offset ${e.offset}${fields.length > 0 ? `: ${fields.join(", ")}` : ""}`,
    ...(e.compactPointers ?? []).map((p) => `    compact pointer level ${p.level}: ${internalKeyText(p.key)}`),
    ...(e.deletedFiles ?? []).map((d) => `    - level ${d.level} #${d.number}`),
    ...(e.newFiles ?? []).map(
      (f) => `    + level ${f.level} #${f.number} ${f.size} bytes ${internalKeyText(f.smallest)} .. ${internalKeyText(f.largest)}`,
    ),
  ]
}

const manifestLines = (r: InspectReport): string[] => {
  const m = r.manifest
  if (m === null) return ["MANIFEST   none: no CURRENT (a folder with only WALs); recovery replays every WAL"]
  return [
    `${m.name}  ${m.size} bytes, ${plural(m.editCount, "edit")}`,
    `  comparator        ${m.comparator}`,
    `  log number        ${m.logNumber}`,
    `  prev log number   ${m.prevLogNumber}`,
    `  next file number  ${m.nextFileNumber}`,
    `  last sequence     ${m.lastSequence}`,
    ...m.compactPointers.map((p) => `  compact pointer   level ${p.level}: ${internalKeyText(p.key)}`),
    ...(m.edits ?? []).flatMap(editLines),
  ]
}

const tableLines = (t: TableReport): string[] => {
  const name = t.name ?? `${String(t.number).padStart(6, "0")}.ldb`
  const entries = t.entries === null ? "? entries" : plural(t.entries, "entry", "entries")
  const tombstones = t.rangeTombstones ? `, ${plural(t.rangeTombstones, "range tombstone")}` : ""
  return [
    `    ${name}  ${t.size} bytes  ${entries}${tombstones}  ${internalKeyText(t.smallest)} .. ${internalKeyText(t.largest)}`,
    ...(t.error !== null ? [problem(4, t.error)] : []),
  ]
}

const levelLines = (l: LevelReport): string[] =>
  l.fileCount === 0
    ? []
    : [
        `  level ${l.level}${l.level === 0 ? " (newest first)" : ""}: ${plural(l.fileCount, "file")}, ${l.bytes} bytes`,
        ...l.files.flatMap(tableLines),
      ]

const walLines = (r: InspectReport, w: WalReport): string[] => {
  const seq = w.firstSequence === null ? "no sequences" : `seq ${w.firstSequence}..${w.lastSequence}`
  const status = w.obsolete ? `obsolete (< log number ${r.manifest?.logNumber}: recovery skips it)` : "live"
  return [
    `  ${w.name}  ${w.size} bytes  ${plural(w.records, "record")}  ${plural(w.entries, "entry", "entries")}  ${seq}  ${status}`,
    ...w.corruptions.map((c) => problem(2, `corruption at offset ${c.offset}: ${c.reason} (${c.bytes} bytes)`)),
    ...(w.error !== null ? [problem(2, w.error)] : []),
  ]
}

const ORPHAN_KIND: Readonly<Record<string, string>> = {
  table: "table not in the MANIFEST",
  temp: "temporary file",
  manifest: "MANIFEST that CURRENT does not name",
}

export const formatReport = (r: InspectReport): string =>
  [
    `folder     ${r.folder}`,
    `IDENTITY   ${r.identity ?? "none"}`,
    `LOCK       ${r.lockPresent ? "present (not checked whether a process holds it)" : "none"}`,
    `CURRENT    ${r.current === null ? "none" : `-> ${r.current}`}`,
    "",
    ...manifestLines(r),
    "",
    `Tables: ${plural(r.totals.files, "file")}, ${r.totals.bytes} bytes, ${r.totals.entries === null ? "? entries" : plural(r.totals.entries, "entry", "entries")}`,
    ...r.levels.flatMap(levelLines),
    "",
    `WALs: ${plural(r.wals.length, "file")}`,
    ...r.wals.flatMap((w) => walLines(r, w)),
    "",
    `Orphans: ${r.orphans.length === 0 ? "none" : plural(r.orphans.length, "file")}`,
    ...r.orphans.map((o) => `  ${o.name}  ${ORPHAN_KIND[o.kind]}  ${o.size} bytes`),
  ].join("\n")
