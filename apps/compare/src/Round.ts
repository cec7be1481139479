/** One round of one engine in one cell, as measured, before the rounds are summarized. */
import type { EngineStats } from "./Engine.ts"
import type { LatencyRecorder } from "./LatencyRecorder.ts"

export interface Round {
  readonly ops: number
  readonly seconds: number
  readonly opsPerSec: number
  readonly latency: LatencyRecorder
  /** The engine's counters over the timed window (null: it has none). */
  readonly stats: EngineStats | null
  /** readwhilewriting: the reader's gets and scans; null otherwise. */
  readonly reads: number | null
  /** 1-minute load average at the round's start and end. */
  readonly load: { readonly start: number; readonly end: number }
}
