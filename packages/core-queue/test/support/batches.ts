import { WriteBatch } from "@writepath/batch"

/** A batch of one Put whose `byteSize` is exactly `bytes` (>= 17). */
export const batchOfSize = (bytes: number): WriteBatch => {
  for (let v = Math.max(0, bytes - 20); v <= bytes; v++) {
    const b = new WriteBatch().put("k", new Uint8Array(v))
    if (b.byteSize === bytes) return b
  }
  throw new Error(`no single-put batch of ${bytes} bytes`)
}

/** A small batch of `count` puts. */
export const smallBatch = (count = 1, prefix = "k"): WriteBatch => {
  const b = new WriteBatch()
  for (let i = 0; i < count; i++) b.put(`${prefix}${i}`, "v")
  return b
}

export const mergeBatch = (): WriteBatch => new WriteBatch().merge("m", "+1")
