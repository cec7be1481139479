/** Shared helpers for recovery tests: batches with known sequences, a LogFile over bytes, the fragment map. */
import { WriteBatch } from "@writepath/batch"
import {
  isRecyclableType,
  kBlockSize,
  kHeaderSize,
  kRecyclableHeaderSize,
  type LogFileService,
  LogWriter,
  RecordType,
  type WritableLogFile,
} from "../src/index.ts"

/** A read-only LogFile service that serves `files` without copying. */
export const bytesService = (files: Record<string, Uint8Array>): LogFileService => ({
  openWritable: () => {
    throw new Error("read-only")
  },
  openReadable: (path) => {
    const bytes = files[path]
    if (!bytes) throw new Error(`no ${path}`)
    return {
      path,
      size: () => bytes.length,
      read: (position, into, offset, length) => {
        if (position >= bytes.length) return 0
        const n = Math.min(length, bytes.length - position)
        into.set(bytes.subarray(position, position + n), offset)
        return n
      },
      close: () => {},
    }
  },
})

/** A growable in-memory WritableLogFile. */
export const memoryWritable = (): WritableLogFile & { bytes(): Uint8Array } => {
  let buf = new Uint8Array(1 << 16)
  let len = 0
  return {
    path: "mem",
    append(data, start, end) {
      const n = end - start
      if (len + n > buf.length) {
        const g = new Uint8Array(Math.max(buf.length * 2, len + n))
        g.set(buf.subarray(0, len))
        buf = g
      }
      buf.set(data.subarray(start, end), len)
      len += n
    },
    size: () => len,
    datasync: () => Promise.resolve(),
    fsync: () => Promise.resolve(),
    close: () => {},
    bytes: () => buf.slice(0, len),
  }
}

export interface WrittenLog {
  readonly bytes: Uint8Array
  /** Per record: its sequence and the file offset just past it (its write's end). */
  readonly records: ReadonlyArray<{ readonly sequence: number; readonly count: number; readonly end: number; readonly value: string }>
}

/** Writes one single-put batch per value size, with consecutive sequences starting at `firstSequence`. */
export const writeLog = (
  valueSizes: ReadonlyArray<number>,
  options: { logNumber?: number; recycle?: boolean; firstSequence?: number } = {},
): WrittenLog => {
  const file = memoryWritable()
  const w = new LogWriter(file, { logNumber: options.logNumber ?? 7, recycleLogFiles: options.recycle ?? false })
  let seq = options.firstSequence ?? 1
  const records: Array<{ sequence: number; count: number; end: number; value: string }> = []
  valueSizes.forEach((size, i) => {
    const value = `v${i}:`.padEnd(size, String.fromCharCode(97 + (i % 26)))
    const b = new WriteBatch().put(`key${i}`, value)
    b.sequence = seq
    w.addRecord(b.data)
    records.push({ sequence: seq, count: 1, end: w.size, value })
    seq += 1
  })
  return { bytes: file.bytes(), records }
}

export interface Fragment {
  readonly record: number
  readonly start: number
  readonly headerSize: number
  readonly end: number
  readonly type: number
}

/** Walks a clean log and lists its fragments (header offset, payload end, owning record). */
export const fragmentsOf = (bytes: Uint8Array): Fragment[] => {
  const out: Fragment[] = []
  let pos = 0
  let record = -1
  while (pos < bytes.length) {
    const inBlock = pos % kBlockSize
    const type = bytes[pos + 6]!
    const hs = isRecyclableType(type) ? kRecyclableHeaderSize : kHeaderSize
    if (kBlockSize - inBlock < hs) {
      pos += kBlockSize - inBlock
      continue
    }
    const len = bytes[pos + 4]! | (bytes[pos + 5]! << 8)
    if (
      type === RecordType.kFullType ||
      type === RecordType.kFirstType ||
      type === RecordType.kRecyclableFullType ||
      type === RecordType.kRecyclableFirstType
    ) {
      record++
    }
    out.push({ record, start: pos, headerSize: hs, end: pos + hs + len, type })
    pos += hs + len
  }
  return out
}
