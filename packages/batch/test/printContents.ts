import type { WriteBatch, WriteBatchHandler } from "../src/index.ts"

const s = (b: Uint8Array): string => new TextDecoder().decode(b)

/**
 * RocksDB's write_batch_test `PrintContents`, without a memtable: each counted
 * record is printed with the sequence it would get (batch sequence + index).
 */
export const printContents = (b: WriteBatch): string => {
  let seq = b.sequence
  let out = ""
  const cf = (c: number): string => (c === 0 ? "" : `${c}:`)
  const h: WriteBatchHandler = {
    put: (c, k, v) => void (out += `Put(${cf(c)}${s(k)}, ${s(v)})@${seq++}`),
    delete: (c, k) => void (out += `Delete(${cf(c)}${s(k)})@${seq++}`),
    singleDelete: (c, k) => void (out += `SingleDelete(${cf(c)}${s(k)})@${seq++}`),
    deleteRange: (c, a, z) => void (out += `DeleteRange(${cf(c)}${s(a)}, ${s(z)})@${seq++}`),
    merge: (c, k, v) => void (out += `Merge(${cf(c)}${s(k)}, ${s(v)})@${seq++}`),
    logData: (blob) => void (out += `LogData(${s(blob)})`),
    markBeginPrepare: (u) => void (out += `MarkBeginPrepare(${u})`),
    markEndPrepare: (x) => void (out += `MarkEndPrepare(${s(x)})`),
    markCommit: (x) => void (out += `MarkCommit(${s(x)})`),
    markRollback: (x) => void (out += `MarkRollback(${s(x)})`),
    markNoop: (e) => void (out += `MarkNoop(${e})`),
  }
  b.iterate(h)
  return out
}
