/**
 * The random source behind skiplist node heights. Injectable so tests are
 * reproducible: a function returning uniformly distributed uint32 values.
 */
export type RandomSource = () => number

/**
 * xorshift32 (Marsaglia 2003): three shifts, no allocation, period 2^32 - 1. Good
 * enough for heights, which only need P(height > h) = branching^-h.
 */
export const xorshift32 = (seed: number): RandomSource => {
  let s = seed >>> 0 || 0x9e3779b9
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return s >>> 0
  }
}
