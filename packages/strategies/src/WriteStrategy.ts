/**
 * WriteStrategy: the service an engine writes through. Four layers provide it
 * (Classic, Pipelined, TwoQueue, ConcurrentMemtable); each is a different pipeline
 * over the same WritePathEnv, chosen by configuration (`Strategy.fromConfig`).
 */
import type { WriteBatch } from "@writepath/batch"
import type { WriteThreadImpl } from "@writepath/core-queue"
import { Context } from "effect"
import type { StrategyName, WriteOptions } from "./EngineOptions.ts"

export interface WriteStrategyService {
  readonly name: StrategyName
  /**
   * Writes one batch (`DBImpl::WriteImpl`). Resolves once the batch is published (or, with
   * `disableMemtable`, once it is in the WAL); rejects with the write's error. The batch
   * must not be modified until then.
   */
  write(batch: WriteBatch, options: WriteOptions, disableMemtable?: boolean): Promise<void>
  /**
   * Runs `f` with no write group active in any queue (`EnterUnbatched` on every queue of
   * the strategy; in pipelined mode after draining the memtable stage). For memtable
   * switches requested from outside the write path, and for close.
   */
  exclusive<A>(f: () => A | Promise<A>): Promise<A>
  /** The main queue (stats, stall barrier). */
  readonly writeThread: WriteThreadImpl
  /** Releases what the strategy holds (worker threads). Writes must have stopped. */
  close(): Promise<void>
}

export class WriteStrategy extends Context.Tag("@writepath/strategies/WriteStrategy")<WriteStrategy, WriteStrategyService>() {}
