/**
 * The crash loop's verdict for one writer: its keys after recovery must equal the state
 * after some prefix of its operations, and that prefix must hold every op it had to keep.
 *
 * A writer runs its ops one at a time on keys no other writer touches, so a correct
 * engine leaves exactly "ops 0..m-1 applied" for some m with lo <= m <= acked + 1:
 * - acked + 1: the op in flight at the kill may or may not have reached the WAL;
 * - lo = acked when the page cache survived (a process crash: every acknowledged write
 *   was handed to the OS), or 1 + the last acknowledged sync op when it was lost.
 * A state no prefix produces is a torn batch (or a value never written: `phantom`); a
 * state matching only a shorter prefix lost acknowledged ops.
 * Prepared 2PC transactions: only the op in flight may be listed, and then its data must
 * be invisible (none half applied).
 */
import { apply, isSync, type Op } from "./ops.ts"

export interface WriterEvidence {
  /** Ops the writer had acknowledged (ops 0..acked-1). */
  readonly acked: number
  /** Whether the in-flight op (number `acked`) is a txn whose prepare was acknowledged. */
  readonly preparedInFlight: boolean
  /** ops[0..acked] (the in-flight one included). */
  readonly ops: ReadonlyArray<Op>
  /** The writer's keys as recovered (index = key number). */
  readonly recovered: ReadonlyArray<string | undefined>
  /** Whether the in-flight op's transaction is listed by getPreparedTransactions. */
  readonly inFlightListed: boolean
  /** Whether the page cache was dropped (WAL truncated to its synced length). */
  readonly lostPageCache: boolean
}

export interface WriterVerdict {
  readonly ok: boolean
  /** Prefix length matched (the largest), or -1. */
  readonly matched: number
  /** Acknowledged ops that had to survive and did not. */
  readonly lost: number
  /** 1 when the recovered state is no prefix's state (a torn batch or a half-applied transaction). */
  readonly torn: number
  /** 1 when a recovered value was never written by this writer. */
  readonly phantom: number
  readonly detail: string
}

const same = (a: ReadonlyArray<string | undefined>, b: ReadonlyArray<string | undefined>): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i])

export const verifyWriter = (e: WriterEvidence): WriterVerdict => {
  let lo = e.acked
  if (e.lostPageCache) {
    lo = 0
    for (let n = e.acked - 1; n >= 0; n--) {
      if (isSync(e.ops[n]!)) {
        lo = n + 1
        break
      }
    }
  }
  const inFlight = e.ops[e.acked]
  // A listed prepared transaction has not committed: its data must not be visible.
  const hi = e.inFlightListed ? e.acked : e.acked + 1
  const state: Array<string | undefined> = e.recovered.map(() => undefined)
  const states: Array<Array<string | undefined>> = [[...state]]
  for (let n = 0; n < e.acked + 1 && n < e.ops.length; n++) {
    apply(state, e.ops[n]!)
    states.push([...state])
  }
  let matched = -1
  for (let m = Math.min(hi, states.length - 1); m >= 0; m--) {
    if (same(states[m]!, e.recovered)) {
      matched = m
      break
    }
  }
  // A sync-acknowledged prepare of a commit that is neither listed nor applied vanished.
  if (
    matched === e.acked &&
    e.preparedInFlight &&
    !e.inFlightListed &&
    inFlight?.kind === "txn" &&
    inFlight.commit &&
    states[e.acked + 1] !== undefined &&
    !same(states[e.acked]!, states[e.acked + 1]!)
  ) {
    return { ok: false, matched, lost: 1, torn: 0, phantom: 0, detail: `prepared transaction ${inFlight.name} vanished` }
  }
  if (matched >= lo) return { ok: true, matched, lost: 0, torn: 0, phantom: 0, detail: "" }
  if (matched >= 0) {
    return { ok: false, matched, lost: lo - matched, torn: 0, phantom: 0, detail: `state is prefix ${matched}, needed >= ${lo}` }
  }
  const written = new Set<string>()
  for (const op of e.ops) {
    if (op.kind === "put") written.add(op.value)
    if (op.kind === "batch" || op.kind === "txn") for (const u of op.mutations) if (u.value !== undefined) written.add(u.value)
  }
  const phantom = e.recovered.some((v) => v !== undefined && !written.has(v)) ? 1 : 0
  return {
    ok: false,
    matched,
    lost: 0,
    torn: phantom === 1 ? 0 : 1,
    phantom,
    detail: `state matches no prefix in [0, ${hi}] (${e.inFlightListed ? "in-flight transaction listed as prepared" : "torn"})`,
  }
}
