/**
 * The Effect face of the engine: a `Db` service whose layer opens and recovers the database
 * when built and closes it when its scope closes. Every effect fails with `DbError` (tagged:
 * `Effect.catchTag` works on each engine error); anything else a promise rejects with is a
 * bug and surfaces as a defect.
 *
 * - reads and writes: `get`, `getMany`, `has`, `put`, `delete`, `deleteRange`, `write`, `clear`
 * - `iterator` / `keys` / `values` as `Stream`s (the engine iterator is released when the
 *   stream ends, fails or is interrupted)
 * - `snapshot`: a scoped snapshot, released when its scope closes
 * - `withTransaction`: begin, run, prepare and commit; rolled back on failure or interruption
 * - `getPreparedTransactions`, `stats`, `flush`, `flushWal`, `compactRange`
 * - layers: `layer(options)`, `layerConfig(config)` (options from Effect's `Config`),
 *   `layerWith(options, { strategy, logFile })`, `layerFromContext(options, strategy)`
 *
 * @example
 * ```ts
 * import { Db } from "@writepath/db"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   yield* Db.put("k", "v", { sync: true })
 *   const v = yield* Db.get("k")
 *   const keys = yield* Stream.runCollect(Db.keys({ gte: "a" }))
 * }).pipe(Effect.provide(Db.layer({ path: "./data", strategy: "classic" })))
 * ```
 */
import type { Bytes } from "@writepath/batch"
import type { StrategyLayer } from "@writepath/strategies"
import { LogFile } from "@writepath/wal"
import { type Config, type ConfigError, Context, Effect, Exit, Layer, type Scope, Stream } from "effect"
import type { Batch } from "./Batch.ts"
import { type Database, type DbStats, type OpenWith, open as openDatabase } from "./Database.ts"
import { type DbError, isDbError } from "./DbError.ts"
import type {
  ClearOptions,
  CompactRangeOptions,
  FlushWalOptions,
  IteratorOptions,
  OpenOptions,
  ReadOptions,
  TransactionOptions,
  WriteOptionsInput,
} from "./Options.ts"
import type { Snapshot } from "./Snapshot.ts"
import type { Transaction } from "./Transaction.ts"

/** A DbError fails the effect; anything else is a defect (a bug, not a state the caller handles). */
const toFailure = (e: unknown): Effect.Effect<never, DbError> => (isDbError(e) ? Effect.fail(e) : Effect.die(e))

/** Runs a Database call that may throw synchronously or reject. */
const attempt = <A>(f: () => A | Promise<A>): Effect.Effect<A, DbError> =>
  Effect.catchAll(Effect.tryPromise({ try: async () => f(), catch: (e) => e }), toFailure)

/** Suspended: the static members below are built while the `Db` class itself is still being defined. */
const use = <A>(f: (db: Database) => A | Promise<A>): Effect.Effect<A, DbError, Db> =>
  Effect.suspend(() => Effect.flatMap(Db, (db) => attempt(() => f(db))))

/** Bad options fail the stream (they throw when the iterator is made); a failed step fails it too. */
const stream = <A>(f: (db: Database) => AsyncIterable<A>): Stream.Stream<A, DbError, Db> =>
  Stream.unwrap(
    Effect.map(
      use((db) => f(db)),
      (iterable) =>
        Stream.catchAll(
          Stream.fromAsyncIterable(iterable, (e) => e),
          (e) => Stream.fromEffect(toFailure(e)),
        ),
    ),
  )

/** The open database as an Effect service. */
export class Db extends Context.Tag("@writepath/db/Db")<Db, Database>() {
  /** Opens with the strategy the options name and node:fs WAL files; closes when the layer's scope closes. */
  static readonly layer = (options: OpenOptions): Layer.Layer<Db, DbError> => Db.layerWith(options, {})

  /**
   * Opens with options read from Effect's `Config` (environment variables by default).
   *
   * @example
   * ```ts
   * const DbLive = Db.layerConfig(Config.all({ path: Config.string("DB_PATH"), strategy: Config.literal("classic", "pipelined")("DB_STRATEGY") }))
   * ```
   */
  static readonly layerConfig = (config: Config.Config<OpenOptions>): Layer.Layer<Db, DbError | ConfigError.ConfigError> =>
    Layer.unwrapEffect(Effect.map(config, (options) => Db.layer(options)))

  /** Opens with a given strategy layer and/or LogFile service. */
  static readonly layerWith = (options: OpenOptions, using: OpenWith): Layer.Layer<Db, DbError> =>
    Layer.scoped(
      Db,
      Effect.acquireRelease(
        attempt(() => openDatabase(options, using)),
        (db) => Effect.promise(() => db.close()),
      ),
    )

  /** Opens with the given strategy layer and the LogFile service found in the context. */
  static readonly layerFromContext = (options: OpenOptions, strategy?: StrategyLayer): Layer.Layer<Db, DbError, LogFile> =>
    Layer.unwrapEffect(
      Effect.map(LogFile, (logFile) => Db.layerWith(options, strategy === undefined ? { logFile } : { strategy, logFile })),
    )

  /** Sets `key` to `value`. */
  static readonly put = (key: Bytes, value: Bytes, options?: WriteOptionsInput): Effect.Effect<void, DbError, Db> =>
    use((db) => db.put(key, value, options))

  /** Deletes `key`. */
  static readonly delete = (key: Bytes, options?: WriteOptionsInput): Effect.Effect<void, DbError, Db> =>
    use((db) => db.delete(key, options))

  /** Deletes every key in [start, end); InvalidArgument when `end` sorts before `start`. */
  static readonly deleteRange = (start: Bytes, end: Bytes, options?: WriteOptionsInput): Effect.Effect<void, DbError, Db> =>
    use((db) => db.deleteRange(start, end, options))

  /** A new empty batch (`Db.write` applies it atomically). */
  static readonly batch: Effect.Effect<Batch, never, Db> = Effect.suspend(() => Effect.map(Db, (db) => db.batch()))

  /** Writes a batch atomically. */
  static readonly write = (batch: Batch, options?: WriteOptionsInput): Effect.Effect<void, DbError, Db> =>
    use((db) => db.write(batch, options))

  /** Deletes the keys of a range (every key without options), in bounded batches. */
  static readonly clear = (options?: ClearOptions): Effect.Effect<void, DbError, Db> => use((db) => db.clear(options))

  /** The value visible now (or at `snapshot`), or undefined. */
  static readonly get = (key: Bytes, options?: ReadOptions): Effect.Effect<Uint8Array | undefined, DbError, Db> =>
    use((db) => db.get(key, options))

  /** The values of `keys`, all read at one sequence. */
  static readonly getMany = (
    keys: ReadonlyArray<Bytes>,
    options?: ReadOptions,
  ): Effect.Effect<Array<Uint8Array | undefined>, DbError, Db> => use((db) => db.getMany(keys, options))

  /** Whether `key` has a value. */
  static readonly has = (key: Bytes, options?: ReadOptions): Effect.Effect<boolean, DbError, Db> => use((db) => db.has(key, options))

  /** [key, value] pairs in key order (or reverse) as a Stream, read at one sequence. */
  static readonly iterator = (options?: IteratorOptions): Stream.Stream<[Uint8Array, Uint8Array], DbError, Db> =>
    stream((db) => db.iterator(options))

  /** The keys of `iterator(options)` as a Stream. */
  static readonly keys = (options?: IteratorOptions): Stream.Stream<Uint8Array, DbError, Db> => stream((db) => db.keys(options))

  /** The values of `iterator(options)` as a Stream. */
  static readonly values = (options?: IteratorOptions): Stream.Stream<Uint8Array, DbError, Db> => stream((db) => db.values(options))

  /** A snapshot released when the enclosing scope closes. */
  static readonly snapshot: Effect.Effect<Snapshot, DbError, Db | Scope.Scope> = Effect.acquireRelease(
    use((db) => db.snapshot()),
    (s) => Effect.sync(() => s.release()),
  )

  /**
   * Runs `body` with a new transaction, then prepares and commits it (two-phase commit).
   * If `body` fails or is interrupted, or prepare fails, the transaction is rolled back.
   *
   * @example
   * ```ts
   * yield* Db.withTransaction({ name: "t1" }, (txn) => Effect.sync(() => txn.put("a", "1")))
   * ```
   */
  static readonly withTransaction = <A, E, R>(
    options: TransactionOptions,
    body: (txn: Transaction) => Effect.Effect<A, E, R>,
  ): Effect.Effect<A, E | DbError, R | Db> =>
    Effect.acquireUseRelease(
      use((db) => db.beginTransaction(options)),
      (txn) =>
        Effect.flatMap(body(txn), (a) =>
          Effect.as(
            Effect.flatMap(
              attempt(() => txn.prepare()),
              () => attempt(() => txn.commit()),
            ),
            a,
          ),
        ),
      (txn, exit) =>
        Exit.isSuccess(exit) || txn.state === "committed" || txn.state === "rolledBack"
          ? Effect.void
          : Effect.orDie(attempt(() => txn.rollback())),
    )

  /** Transactions left prepared (after a reopen: those the WAL left prepared), to commit or roll back. */
  static readonly getPreparedTransactions: Effect.Effect<ReadonlyArray<Transaction>, never, Db> = Effect.suspend(() =>
    Effect.map(Db, (db) => db.getPreparedTransactions()),
  )

  /** Counters and gauges of the database. */
  static readonly stats: Effect.Effect<DbStats, never, Db> = Effect.suspend(() => Effect.map(Db, (db) => db.stats()))

  /** Hands buffered WAL records to the OS (`manualWalFlush`), and with `sync` makes them durable. */
  static readonly flushWal = (options?: FlushWalOptions): Effect.Effect<void, DbError, Db> => use((db) => db.flushWal(options))

  /** Writes every memtable to a table recorded in the MANIFEST, then the WALs are deleted. */
  static readonly flush: Effect.Effect<void, DbError, Db> = use((db) => db.flush())

  /** Compacts [gte, lte] (default: everything) down the levels, after a flush. */
  static readonly compactRange = (options?: CompactRangeOptions): Effect.Effect<void, DbError, Db> => use((db) => db.compactRange(options))

  /** `DB::Resume()` after a retryable background error (see `Database.resume`). */
  static readonly resume: Effect.Effect<void, DbError, Db> = use((db) => db.resume())
}
