/** The engine's statistics (`Database.stats()`) as a Schema, for GET /stats and the OpenAPI document. */
import { Schema } from "effect"

const Count = Schema.Number

export const StatsSchema = Schema.Struct({
  strategy: Schema.String,
  lastSequence: Count,
  lastAllocatedSequence: Count,
  groups: Count,
  meanGroupSize: Count,
  walRecords: Count,
  walBytes: Count,
  walSyncs: Count,
  walSyncMeanMicros: Count,
  stalls: Count,
  stallMicros: Count,
  memtableSwitches: Count,
  immutableMemtables: Count,
  liveWals: Schema.Array(Count),
  levelFiles: Schema.Array(Count),
  levelBytes: Schema.Array(Count),
  flushes: Count,
  compactions: Count,
  flushLongestStretchMs: Count,
  compactionLongestStretchMs: Count,
  compactionBytesRead: Count,
  compactionBytesWritten: Count,
  parallelGroups: Count,
  latencyMicros: Schema.Struct({ count: Count, p50: Count, p99: Count, max: Count }),
  preparedTransactions: Schema.Array(Schema.String),
})
