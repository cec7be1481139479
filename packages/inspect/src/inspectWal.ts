/**
 * One WAL file, read as point-in-time recovery reads it (the engine's default mode): how many
 * WriteBatch records and sequence-consuming operations it holds, which sequences they use,
 * and every region the reader reports: in this mode a torn tail (the writer died mid-record)
 * is reported too ("truncated record body"), as it is where recovery stops. A record that is
 * not a valid WriteBatch (too small, wrong count, bad entry) is reported with the reader's
 * regions, as recovery stops there too.
 *
 * Unlike recovery, the read goes on past a corruption (LogReader resynchronizes at the next
 * block), so the counts cover everything readable and the report lists every damaged region.
 *
 * Read-only (the LogFile service opens with "r"). Synchronous.
 */
import * as path from "node:path"
import { HEADER_SIZE, recordsOfBytes, WriteBatchCorruption } from "@writepath/batch"
import { LogReader, logFileName, makeNode, type ReadableLogFile, WalRecoveryMode } from "@writepath/wal"
import type { WalCorruptionReport, WalReport } from "./InspectReport.ts"

const u32 = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0

/** Why `batch` is not a WriteBatch recovery would replay, or undefined when it is one. */
const batchProblem = (batch: Uint8Array): string | undefined => {
  if (batch.length < HEADER_SIZE) return "log record too small"
  try {
    const entries = recordsOfBytes(batch)
    while (!entries.next().done) {
      // Each step parses one entry; the last one checks the header's count against them.
    }
    return undefined
  } catch (e) {
    // The bare reason, like the reader's ("checksum mismatch"): the report says it is a corruption.
    return e instanceof WriteBatchCorruption ? e.reason : e instanceof Error ? e.message : String(e)
  }
}

/**
 * `obsolete` is decided by the caller (it needs the MANIFEST). Never throws: a WAL that
 * cannot be read is reported with `error`.
 */
export const inspectWal = (dir: string, number: number, size: number, obsolete: boolean): WalReport => {
  const report = {
    number,
    name: path.basename(logFileName(dir, number)),
    size,
    records: 0,
    entries: 0,
    firstSequence: null as number | null,
    lastSequence: null as number | null,
    obsolete,
    corruptions: [] as WalCorruptionReport[],
    error: null as string | null,
  }
  let file: ReadableLogFile | undefined
  try {
    file = makeNode().openReadable(logFileName(dir, number))
    const reader = new LogReader(file, {
      logNumber: number,
      recoveryMode: WalRecoveryMode.kPointInTimeRecovery,
      reporter: (d) => {
        if (d.reported) report.corruptions.push({ offset: d.offset, bytes: d.bytes, reason: d.reason })
      },
    })
    for (let r = reader.readRecord(); r !== undefined; r = reader.readRecord()) {
      const problem = batchProblem(r.data)
      if (problem !== undefined) {
        report.corruptions.push({ offset: r.offset, bytes: r.data.length, reason: problem })
        continue
      }
      // Sequences are fixed64; beyond 2^53 the report would round them, so such a record is damage too.
      const sequence = u32(r.data, 4) * 2 ** 32 + u32(r.data, 0)
      const count = u32(r.data, 8)
      if (!Number.isSafeInteger(sequence + count)) {
        report.corruptions.push({ offset: r.offset, bytes: r.data.length, reason: "sequence number beyond 2^53 - 1" })
        continue
      }
      report.records++
      report.entries += count
      // A batch of only LogData or 2PC markers (count 0) uses no sequence.
      if (count > 0) {
        if (report.firstSequence === null) report.firstSequence = sequence
        report.lastSequence = Math.max(report.lastSequence ?? 0, sequence + count - 1)
      }
    }
  } catch (e) {
    // Unreadable (EACCES, EIO) or a compressed WAL (WalNotSupported): what was read so far stays.
    report.error = e instanceof Error ? e.message : String(e)
  } finally {
    file?.close()
  }
  return report
}
