/**
 * The fixture of RocksDB's db/log_test.cc (`LogTest`), over testkit's memory LogFile:
 * a writer with log number 123, a reader over the same bytes, byte-level corruption
 * helpers, and the reporter's dropped-bytes count and message.
 */
import { makeMemoryLogFile } from "@writepath/testkit"
import {
  Crc32c,
  kHeaderSize,
  kRecyclableHeaderSize,
  LogReader,
  type LogReaderOptions,
  type LogSource,
  LogWriter,
  type ReaderDrop,
  WalRecoveryMode,
} from "../src/index.ts"

const enc = new TextEncoder()
const dec = new TextDecoder()

export const bigString = (partial: string, n: number): string => {
  let s = ""
  while (s.length < n) s += partial
  return s.slice(0, n)
}

export const numberString = (n: number): string => `${n}.`

/** `RandomSkewedString`: lengths skewed towards small. */
export const randomSkewedString = (i: number, rnd: () => number): string =>
  bigString(numberString(i), Math.floor(rnd() * 2 ** Math.floor(rnd() * 17)))

/** A tiny deterministic PRNG (mulberry32). */
export const prng = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class LogTest {
  readonly recyclable: boolean
  readonly headerSize: number
  readonly fs = makeMemoryLogFile()
  readonly path = "/log/000123.log"
  writer: LogWriter
  private reader: LogReader | undefined
  private readerMode: WalRecoveryMode | undefined
  drops: ReaderDrop[] = []
  /** ForceEOF: the reader sees only this many bytes. */
  private visible = Number.POSITIVE_INFINITY
  /** ForceError: reads at or past this offset fail (once the data before it was returned). */
  private errorAt: number | undefined

  constructor(recyclable: boolean) {
    this.recyclable = recyclable
    this.headerSize = recyclable ? kRecyclableHeaderSize : kHeaderSize
    this.writer = new LogWriter(this.fs.openWritable(this.path), { logNumber: 123, recycleLogFiles: recyclable })
  }

  write(msg: string): void {
    this.writer.addRecord(enc.encode(msg))
  }

  writtenBytes(): number {
    return this.fs.readBytes(this.path).length
  }

  contents(): Uint8Array {
    return this.fs.readBytes(this.path)
  }

  setContents(bytes: Uint8Array): void {
    this.fs.writeBytes(this.path, bytes)
  }

  private source(): LogSource {
    return {
      read: (position, into, offset, length) => {
        const bytes = this.fs.readBytes(this.path)
        let limit = Math.min(bytes.length, this.visible)
        if (this.errorAt !== undefined) {
          if (position >= this.errorAt) {
            this.errorAt = undefined
            throw new Error("read error")
          }
          limit = Math.min(limit, this.errorAt)
        }
        if (position >= limit) return 0
        const n = Math.min(length, limit - position)
        into.set(bytes.subarray(position, position + n), offset)
        return n
      },
    }
  }

  getReader(mode: WalRecoveryMode, options: Partial<LogReaderOptions> = {}): LogReader {
    if (!this.reader || this.readerMode !== mode) {
      this.readerMode = mode
      this.reader = new LogReader(this.source(), { logNumber: 123, recoveryMode: mode, reporter: (d) => this.drops.push(d), ...options })
    }
    return this.reader
  }

  /** The next record as a string, or "EOF" (RocksDB's default mode here is tolerate-corrupted-tail-records). */
  read(mode: WalRecoveryMode = WalRecoveryMode.kTolerateCorruptedTailRecords): string {
    const r = this.getReader(mode).readRecord()
    return r === undefined ? "EOF" : dec.decode(r.data)
  }

  isEof(): boolean {
    return this.reader?.isEof ?? false
  }

  unmarkEof(): void {
    this.getReader(this.readerMode ?? WalRecoveryMode.kTolerateCorruptedTailRecords).unmarkEof()
  }

  forceEof(visible: number): void {
    this.visible = visible
  }

  /** Reads fail once they reach `position` bytes past what the reader has consumed so far. */
  forceErrorAt(position: number): void {
    this.errorAt = position
  }

  incrementByte(offset: number, delta: number): void {
    const b = this.contents()
    b[offset] = (b[offset]! + delta) & 0xff
    this.setContents(b)
  }

  setByte(offset: number, value: number): void {
    const b = this.contents()
    b[offset] = value
    this.setContents(b)
  }

  shrinkSize(bytes: number): void {
    const b = this.contents()
    this.setContents(b.subarray(0, b.length - bytes))
  }

  /** Recomputes the CRC of the record at `headerOffset` with payload length `len`. */
  fixChecksum(headerOffset: number, len: number, recyclable: boolean): void {
    const b = this.contents()
    const hs = recyclable ? kRecyclableHeaderSize : kHeaderSize
    const crc = Crc32c.mask(Crc32c.value(b, headerOffset + 6, headerOffset + hs + len))
    new DataView(b.buffer, b.byteOffset).setUint32(headerOffset, crc, true)
    this.setContents(b)
  }

  /** Only reported drops count, as RocksDB's test reporter sees them. */
  droppedBytes(): number {
    return this.drops.filter((d) => d.reported).reduce((s, d) => s + d.bytes, 0)
  }

  reportMessage(): string {
    return this.drops
      .filter((d) => d.reported)
      .map((d) => `${d.kind === "Corruption" ? "Corruption" : "IO error"}: ${d.reason}`)
      .join("")
  }

  matchError(msg: string): boolean {
    return this.reportMessage().includes(msg)
  }
}
