/**
 * A small demo: write a few WriteBatches to a
 * file with fdatasync, read them back, and print what was recovered. Runs
 * embedded, in a temporary folder it removes afterwards.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { WriteBatch } from "@writepath/batch"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-demo-"))
const file = path.join(dir, "batches.bin")
const text = (b: Uint8Array): string => new TextDecoder().decode(b)

try {
  // Three batches, sequences assigned as a group leader would: each batch starts after the previous one's count.
  const batches = [
    new WriteBatch().put("apple", "red").put("banana", "yellow"),
    new WriteBatch().delete("apple").merge("counter", "+1"),
    new WriteBatch().deleteRange("a", "c").putLogData("checkpoint").put("cherry", "dark red"),
  ]
  let seq = 1
  const fd = fs.openSync(file, "w")
  for (const b of batches) {
    b.sequence = seq
    seq += b.count
    const len = Buffer.alloc(4)
    len.writeUInt32LE(b.byteSize)
    fs.writeSync(fd, len)
    fs.writeSync(fd, b.data)
  }
  fs.fdatasyncSync(fd)
  fs.closeSync(fd)

  const bytes = fs.readFileSync(file)
  console.log(`wrote ${batches.length} batches (${bytes.length} bytes, fdatasync'ed) to ${file}; reading back:`)
  for (let o = 0; o < bytes.length; ) {
    const n = bytes.readUInt32LE(o)
    const b = WriteBatch.fromBytes(bytes.subarray(o + 4, o + 4 + n))
    o += 4 + n
    let s = b.sequence
    const ops = [...b.records()].map((r) => {
      switch (r.op) {
        case "Put":
        case "Merge":
          return `${r.op}(${text(r.key)}, ${text(r.value)})@${s++}`
        case "Delete":
          return `Delete(${text(r.key)})@${s++}`
        case "DeleteRange":
          return `DeleteRange(${text(r.key)}, ${text(r.end)})@${s++}`
        case "LogData":
          return `LogData(${text(r.value)})`
        default:
          return r.op
      }
    })
    console.log(`  seq ${b.sequence} count ${b.count} (${b.byteSize} bytes): ${ops.join(" ")}`)
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
