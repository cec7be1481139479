/**
 * The reference model of an engine's visible state: every version of every key
 * with its sequence number, so reads at any snapshot can be checked against the
 * engine. Deliberately simple (sorted arrays, linear scans): it is the oracle,
 * not a competitor.
 *
 * Keys are compared bytewise; internally they are latin1 strings, whose code-unit
 * order equals the byte order.
 */
export type ModelOp =
  | { readonly op: "put"; readonly key: Uint8Array | string; readonly value: Uint8Array | string }
  | { readonly op: "delete"; readonly key: Uint8Array | string }
  | { readonly op: "deleteRange"; readonly start: Uint8Array | string; readonly end: Uint8Array | string }

export interface ModelRange {
  readonly gt?: Uint8Array | string
  readonly gte?: Uint8Array | string
  readonly lt?: Uint8Array | string
  readonly lte?: Uint8Array | string
  readonly reverse?: boolean
}

interface Version {
  readonly seq: number
  /** undefined = deleted */
  readonly value: string | undefined
}

const enc = new TextEncoder()
/** Bytes (or a UTF-8 string) as a latin1 string that sorts bytewise. */
export const modelKey = (k: Uint8Array | string): string => {
  const b = typeof k === "string" ? enc.encode(k) : k
  let s = ""
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!)
  return s
}

export const fromModelKey = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0))

export class ReferenceModel {
  private readonly versions = new Map<string, Version[]>()
  private readonly rangeDeletes: Array<{ seq: number; start: string; end: string }> = []
  private last = 0

  get lastSequence(): number {
    return this.last
  }

  /** Applies a batch whose first counted op gets `firstSeq` (one sequence per op, as RocksDB). */
  apply(ops: ReadonlyArray<ModelOp>, firstSeq = this.last + 1): number {
    let seq = firstSeq
    for (const o of ops) {
      if (o.op === "deleteRange") this.rangeDeletes.push({ seq, start: modelKey(o.start), end: modelKey(o.end) })
      else {
        const k = modelKey(o.key)
        const list = this.versions.get(k) ?? []
        list.push({ seq, value: o.op === "put" ? modelKey(o.value) : undefined })
        this.versions.set(k, list)
      }
      seq++
    }
    this.last = Math.max(this.last, seq - 1)
    return seq - 1
  }

  /** The value visible at `snapshot` (default: everything applied), or undefined. */
  get(key: Uint8Array | string, snapshot = this.last): string | undefined {
    return this.visible(modelKey(key), snapshot)
  }

  private visible(k: string, snapshot: number): string | undefined {
    let best: Version | undefined
    for (const v of this.versions.get(k) ?? []) if (v.seq <= snapshot && (best === undefined || v.seq > best.seq)) best = v
    if (best === undefined) return undefined
    for (const r of this.rangeDeletes) if (r.seq <= snapshot && r.seq > best.seq && k >= r.start && k < r.end) return undefined
    return best.value
  }

  /** Visible [key, value] pairs in the range, as latin1 model strings, in key order (or reverse). */
  entries(range: ModelRange = {}, snapshot = this.last): Array<[string, string]> {
    const gt = range.gt === undefined ? undefined : modelKey(range.gt)
    const gte = range.gte === undefined ? undefined : modelKey(range.gte)
    const lt = range.lt === undefined ? undefined : modelKey(range.lt)
    const lte = range.lte === undefined ? undefined : modelKey(range.lte)
    const out: Array<[string, string]> = []
    for (const k of [...this.versions.keys()].sort()) {
      if (
        (gt !== undefined && k <= gt) ||
        (gte !== undefined && k < gte) ||
        (lt !== undefined && k >= lt) ||
        (lte !== undefined && k > lte)
      )
        continue
      const v = this.visible(k, snapshot)
      if (v !== undefined) out.push([k, v])
    }
    return range.reverse ? out.reverse() : out
  }
}
