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
export const ITERATOR_OPTION_KEYS: ReadonlySet<string> = new Set(["gt", "gte", "lt", "lte", "reverse", "snapshot"])
export const FLUSH_WAL_OPTION_KEYS: ReadonlySet<string> = new Set(["sync"])
export const TRANSACTION_OPTION_KEYS: ReadonlySet<string> = new Set(["name", "writeOptions"])
export const COMPACT_RANGE_OPTION_KEYS: ReadonlySet<string> = new Set(["gte", "lte"])
