/**
 * @writepath/db: RocksDB's write path as an embeddable key-value engine, with a Promise face
 * (`open` → `Database`) and an Effect face (the `Db` service).
 *
 * @example
 * ```ts
 * import { open } from "@writepath/db"
 * const db = await open({ path: "./data" })
 * await db.put("hello", "world")
 * await db.close()
 * ```
 *
 * @module
 */
export { Batch } from "./Batch.ts"
export { Database, type DbStats, type OpenWith, open } from "./Database.ts"
export { Db } from "./Db.ts"
export * from "./DbError.ts"
export type {
  Bytes,
  ClearOptions,
  CompactRangeOptions,
  FlushWalOptions,
  IteratorOptions,
  OpenOptions,
  RangeOptions,
  ReadOptions,
  StrategyName,
  TransactionOptions,
  WalRecoveryMode,
  WriteOptionsInput,
} from "./Options.ts"
export { Snapshot } from "./Snapshot.ts"
export { Transaction, type TransactionState } from "./Transaction.ts"
