/**
 * Positional reads of a table file through node:fs (Node, Bun and Deno), and block reads
 * with trailer checks and Snappy decompression (`ReadBlock`, `table/format.cc`).
 *
 * Owns: one read-only file descriptor. Invariant: a closed file never touches its descriptor.
 * Synchronous: readSync only.
 */
import * as fs from "node:fs"
import { Crc32c, ioErrorFrom } from "@writepath/wal"
import { TableCorruption, TableNotSupported } from "../TableError.ts"
import { type BlockHandle, kBlockTrailerSize, kNoCompression, kSnappyCompression, kZstdCompression } from "../TableFormat.ts"
import { getFixed32 } from "./coding.ts"
import { snappyDecompress } from "./snappyDecompress.ts"

export class TableFile {
  readonly path: string
  readonly size: number
  private fd: number

  constructor(path: string) {
    this.path = path
    try {
      this.fd = fs.openSync(path, "r")
    } catch (e) {
      throw ioErrorFrom("open table", path, e)
    }
    try {
      this.size = fs.fstatSync(this.fd).size
    } catch (e) {
      fs.closeSync(this.fd)
      throw ioErrorFrom("stat table", path, e)
    }
  }

  /** Exactly `n` bytes at `position`, or TableCorruption("truncated ...") if the file ends first. */
  read(position: number, n: number, what: string): Uint8Array {
    if (this.fd < 0) throw ioErrorFrom("read table", this.path, new Error("table is closed"))
    if (position + n > this.size) {
      throw new TableCorruption({ path: this.path, offset: position, reason: `truncated ${what} read (${n} bytes, file is ${this.size})` })
    }
    const out = new Uint8Array(n)
    let got = 0
    try {
      while (got < n) {
        const r = fs.readSync(this.fd, out, got, n - got, position + got)
        if (r === 0) break
        got += r
      }
    } catch (e) {
      throw ioErrorFrom("read table", this.path, e)
    }
    if (got < n) throw new TableCorruption({ path: this.path, offset: position, reason: `truncated ${what} read` })
    return out
  }

  /**
   * The block's contents after checking its trailer (CRC32C of the stored bytes and type if
   * `verify`), uncompressed if the type is 1 (Snappy). Invalid Snappy data is a
   * TableCorruption even with `verify` off, as in LevelDB's `ReadBlock`.
   */
  readBlock(h: BlockHandle, verify: boolean, what = "block"): Uint8Array {
    const raw = this.read(h.offset, h.size + kBlockTrailerSize, what)
    const type = raw[h.size]!
    if (verify) {
      const expected = Crc32c.unmask(getFixed32(raw, h.size + 1))
      const actual = Crc32c.extend(Crc32c.value(raw, 0, h.size), raw, h.size, h.size + 1)
      if (expected !== actual) throw new TableCorruption({ path: this.path, offset: h.offset, reason: `${what} checksum mismatch` })
    }
    if (type === kNoCompression) return raw.subarray(0, h.size)
    if (type === kSnappyCompression) {
      const out = snappyDecompress(raw.subarray(0, h.size))
      if (typeof out === "string") throw new TableCorruption({ path: this.path, offset: h.offset, reason: `${what}: ${out}` })
      return out
    }
    if (type === kZstdCompression) {
      throw new TableNotSupported({ path: this.path, offset: h.offset, reason: "zstd-compressed block (LevelDB 1.23's type 2)" })
    }
    throw new TableCorruption({ path: this.path, offset: h.offset, reason: `bad block type ${type}` })
  }

  close(): void {
    if (this.fd < 0) return
    try {
      fs.closeSync(this.fd)
    } catch {
      // read-only descriptor: nothing to report
    }
    this.fd = -1
  }
}
