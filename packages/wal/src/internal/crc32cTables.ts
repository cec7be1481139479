/**
 * Lookup tables for CRC32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-8.
 *
 * T0[b] is the classic byte table; Tk[b] = CRC of byte b followed by k zero bytes, so
 * eight input bytes are folded with eight independent lookups per step. Eight separate
 * Int32Arrays (not one 2 KiB table with offsets) because V8, JSC and the Deno V8 all
 * emit the tightest code for a constant base; measured in bench/append.bench.ts.
 */
const POLY = 0x82f63b78

const make = (): Int32Array[] => {
  const t: Int32Array[] = []
  const t0 = new Int32Array(256)
  for (let i = 0; i < 256; i++) {
    let c = i
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1
    t0[i] = c
  }
  t.push(t0)
  for (let s = 1; s < 8; s++) {
    const prev = t[s - 1]!
    const next = new Int32Array(256)
    for (let i = 0; i < 256; i++) {
      const p = prev[i]!
      next[i] = (p >>> 8) ^ t0[p & 0xff]!
    }
    t.push(next)
  }
  return t
}

/** Builds fresh tables T0..T7; callers keep them in module-local bindings. */
export const crc32cTables = make
