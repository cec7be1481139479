/**
 * WAL dump: every record of a log file with its offset, fragment types, WriteBatch
 * sequence, count and operations, plus every region the reader dropped. Backs
 * `pnpm wal dump <file> [--json]` and is usable as a library.
 *
 * Reads in skip-any-corrupted-records mode so that everything readable is shown, and lists
 * drops RocksDB would make silently (torn tails, stale recycled data) too.
 */
import { recordsOfBytes, type WriteBatchRecord } from "@writepath/batch"
import type { LogFileService } from "./LogFile.ts"
import { parseLogFileName } from "./LogFileName.ts"
import { isRecyclableType, recordTypeName } from "./LogFormat.ts"
import { LogReader, type ReaderDrop } from "./LogReader.ts"
import { WalRecoveryMode } from "./RecoveryMode.ts"

/** One operation of a batch; key/value are UTF-8 when valid, else `hex:...`. */
export interface DumpOp {
  readonly type: string
  readonly key?: string
  readonly value?: string
  /** DeleteRange's end key. */
  readonly end?: string
  /** Transaction markers' id. */
  readonly xid?: string
  /** Column family, when not the default (0). */
  readonly cf?: number
}

export type DumpEntry =
  | {
      readonly kind: "record"
      readonly offset: number
      readonly fragments: ReadonlyArray<string>
      readonly bytes: number
      readonly sequence: number
      readonly count: number
      readonly ops: ReadonlyArray<DumpOp>
    }
  | {
      readonly kind: "bad-batch"
      readonly offset: number
      readonly fragments: ReadonlyArray<string>
      readonly bytes: number
      readonly error: string
    }
  | { readonly kind: "drop"; readonly drop: ReaderDrop }

const utf8 = new TextDecoder("utf-8", { fatal: true })
const hex = (b: Uint8Array): string => `hex:${Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")}`

/** UTF-8 text if the bytes are valid UTF-8, else `hex:...` (the JSON rendering). */
export const renderBytes = (b: Uint8Array): string => {
  try {
    return utf8.decode(b)
  } catch {
    return hex(b)
  }
}

const opOf = (r: WriteBatchRecord): DumpOp => {
  const cf = "cf" in r && r.cf !== 0 ? { cf: r.cf } : {}
  switch (r.op) {
    case "Put":
    case "Merge":
    case "PutBlobIndex":
    case "PutEntity":
    case "TimedPut":
      return { type: r.op, key: renderBytes(r.key), value: renderBytes(r.value), ...cf }
    case "Delete":
    case "SingleDelete":
      return { type: r.op, key: renderBytes(r.key), ...cf }
    case "DeleteRange":
      return { type: r.op, key: renderBytes(r.key), end: renderBytes(r.end), ...cf }
    case "LogData":
      return { type: r.op, value: renderBytes(r.value) }
    case "EndPrepare":
    case "Commit":
    case "Rollback":
      return { type: r.op, xid: renderBytes(r.xid) }
    case "CommitWithTimestamp":
      return { type: r.op, xid: renderBytes(r.xid), value: renderBytes(r.timestamp) }
    case "BeginPrepare":
      return { type: r.unprepared ? "BeginUnprepare" : "BeginPrepare" }
    case "Noop":
      return { type: "Noop" }
  }
}

export interface DumpOptions {
  /** The log number for recyclable headers; default: from the file name, else from the first header. */
  readonly logNumber?: number
}

/** The log number a dump should assume for `path` (file name, else the first recyclable header). */
const guessLogNumber = (service: LogFileService, path: string): number => {
  const fromName = parseLogFileName(path.split(/[\\/]/).pop() ?? "")
  if (fromName !== undefined) return fromName
  const f = service.openReadable(path)
  try {
    const h = new Uint8Array(11)
    const n = f.read(0, h, 0, 11)
    if (n === 11 && isRecyclableType(h[6]!)) return (h[7]! | (h[8]! << 8) | (h[9]! << 16) | (h[10]! << 24)) >>> 0
    return 0
  } finally {
    f.close()
  }
}

/**
 * Yields every record and drop of the log at `path`, in file order. Throws `IOError` when
 * the file cannot be opened or is not a regular file, `WalNotSupported` for compressed WALs.
 */
export function* dumpLog(service: LogFileService, path: string, options: DumpOptions = {}): Generator<DumpEntry> {
  const logNumber = options.logNumber ?? guessLogNumber(service, path)
  const file = service.openReadable(path)
  const pending: ReaderDrop[] = []
  try {
    const reader = new LogReader(file, {
      logNumber,
      recoveryMode: WalRecoveryMode.kSkipAnyCorruptedRecords,
      reporter: (d) => pending.push(d),
    })
    for (;;) {
      const rec = reader.readRecord()
      while (pending.length > 0) yield { kind: "drop", drop: pending.shift()! }
      if (rec === undefined) return
      const fragments = rec.fragments.map(recordTypeName)
      try {
        if (rec.data.length < 12) throw new Error("log record too small")
        const dv = new DataView(rec.data.buffer, rec.data.byteOffset, rec.data.byteLength)
        const sequence = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32
        const count = dv.getUint32(8, true)
        const ops = [...recordsOfBytes(rec.data)].map(opOf)
        yield { kind: "record", offset: rec.offset, fragments, bytes: rec.data.length, sequence, count, ops }
      } catch (e) {
        yield {
          kind: "bad-batch",
          offset: rec.offset,
          fragments,
          bytes: rec.data.length,
          error: e instanceof Error ? e.message : String(e),
        }
      }
    }
  } finally {
    file.close()
  }
}
