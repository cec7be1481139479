/**
 * Shape checks of the Promise API's option objects other than WriteOptions (those are
 * zod-validated by @writepath/strategies). Plain code, not zod: `get` is a hot path.
 * Each failure is an InvalidArgument naming the method and the offending field, so a
 * typo (`{ revers: true }`) or a wrong type never silently reads something else.
 * Synchronous; nothing here yields.
 */
import { InvalidArgument } from "../DbError.ts"

const kind = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v)

/** REQUIRES nothing. Returns the options as a record (empty for undefined); throws on a non-object or an unknown key. */
export const checkOptionsObject = (op: string, options: unknown, known: ReadonlySet<string>): Readonly<Record<string, unknown>> => {
  if (options === undefined) return {}
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidArgument({ reason: `${op}: options must be an object, got ${kind(options)}` })
  }
  for (const k of Object.keys(options)) {
    if (!known.has(k)) throw new InvalidArgument({ reason: `${op}: unknown option \`${k}\` (known: ${[...known].join(", ")})` })
  }
  return options as Readonly<Record<string, unknown>>
}

/** A key or value argument: InvalidArgument naming the method and the argument otherwise. */
export const checkBytes = (op: string, what: string, v: unknown): void => {
  if (typeof v !== "string" && !(v instanceof Uint8Array)) {
    throw new InvalidArgument({ reason: `${op}: ${what} must be a Uint8Array or a string, got ${kind(v)}` })
  }
}

export const checkBoolean = (op: string, field: string, v: unknown): boolean | undefined => {
  if (v === undefined || typeof v === "boolean") return v
  throw new InvalidArgument({ reason: `${op}: option \`${field}\` must be a boolean, got ${kind(v)}` })
}

export const READ_OPTION_KEYS: ReadonlySet<string> = new Set(["snapshot"])
export const ITERATOR_OPTION_KEYS: ReadonlySet<string> = new Set(["gt", "gte", "lt", "lte", "reverse", "snapshot", "limit"])
export const CLEAR_OPTION_KEYS: ReadonlySet<string> = new Set(["gt", "gte", "lt", "lte", "writeOptions"])
export const FLUSH_WAL_OPTION_KEYS: ReadonlySet<string> = new Set(["sync"])
export const TRANSACTION_OPTION_KEYS: ReadonlySet<string> = new Set(["name", "writeOptions"])
export const COMPACT_RANGE_OPTION_KEYS: ReadonlySet<string> = new Set(["gte", "lte"])

const encoder = new TextEncoder()
const asBytes = (v: string | Uint8Array): Uint8Array => (typeof v === "string" ? encoder.encode(v) : v)

/** Bytewise comparison (RocksDB's BytewiseComparator): negative, zero or positive. */
export const compareBytes = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

/** A [start, end) range's arguments: both Bytes, and end not before start (RocksDB's "end key comes before start key"). */
export const checkRangeOrder = (op: string, start: unknown, end: unknown): void => {
  checkBytes(op, "start", start)
  checkBytes(op, "end", end)
  if (compareBytes(asBytes(start as string | Uint8Array), asBytes(end as string | Uint8Array)) > 0) {
    throw new InvalidArgument({ reason: `${op}: end key comes before start key` })
  }
}

/** A non-negative integer option (`limit`), or undefined. */
export const checkCount = (op: string, field: string, v: unknown): number | undefined => {
  if (v === undefined || (typeof v === "number" && Number.isInteger(v) && v >= 0)) return v
  throw new InvalidArgument({
    reason: `${op}: option \`${field}\` must be a non-negative integer, got ${typeof v === "number" ? v : kind(v)}`,
  })
}
