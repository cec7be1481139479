/**
 * The Effect face of the engine: a `Db` service whose layer opens and recovers the
 * database when built and closes it when its scope closes.
 *
 *   const program = Effect.gen(function* () {
 *     yield* Db.put("k", "v", { sync: true })
 *     const v = yield* Db.get("k")
 *   }).pipe(Effect.provide(Db.layer({ path: "./data", strategy: "classic" })))
 *
 * `Db.layerWith(options, { strategy })` takes any WriteStrategy layer (Classic.layer,
 * Pipelined.layer, TwoQueue.layer, ConcurrentMemtable.layer, or your own), and
 * `Db.layerFromContext` takes the WAL's LogFile service from the context (testkit's
 * fault-injecting layer in tests).
 */
import type { Bytes, WriteBatch } from "@writepath/batch"
import type { StrategyLayer } from "@writepath/strategies"
import { LogFile } from "@writepath/wal"
import { Context, Effect, Layer } from "effect"
import { type Database, type OpenWith, open as openDatabase } from "./Database.ts"

const attempt = <A>(f: () => Promise<A>): Effect.Effect<A, unknown> => Effect.tryPromise({ try: f, catch: (e) => e })

export class Db extends Context.Tag("@writepath/db/Db")<Db, Database>() {
  /** Opens with the strategy the options name and node:fs WAL files. */
  static readonly layer = (options: unknown): Layer.Layer<Db, unknown> => Db.layerWith(options, {})

  /** Opens with a given strategy layer and/or LogFile service. */
  static readonly layerWith = (options: unknown, using: OpenWith): Layer.Layer<Db, unknown> =>
    Layer.scoped(
      Db,
      Effect.acquireRelease(
        attempt(() => openDatabase(options, using)),
        (db) => Effect.promise(() => db.close()),
      ),
    )

  /** Opens with the given strategy layer and the LogFile service found in the context. */
  static readonly layerFromContext = (options: unknown, strategy?: StrategyLayer): Layer.Layer<Db, unknown, LogFile> =>
    Layer.unwrapEffect(
      Effect.map(LogFile, (logFile) => Db.layerWith(options, strategy === undefined ? { logFile } : { strategy, logFile })),
    )

  static readonly put = (key: Bytes, value: Bytes, options?: unknown): Effect.Effect<void, unknown, Db> =>
    Effect.flatMap(Db, (db) => attempt(() => db.put(key, value, options)))

  static readonly delete = (key: Bytes, options?: unknown): Effect.Effect<void, unknown, Db> =>
    Effect.flatMap(Db, (db) => attempt(() => db.delete(key, options)))

  static readonly write = (batch: WriteBatch, options?: unknown): Effect.Effect<void, unknown, Db> =>
    Effect.flatMap(Db, (db) => attempt(() => db.write(batch, options)))

  /** Writes every memtable to a table recorded in the MANIFEST, then the WALs are deleted. */
  static readonly flush: Effect.Effect<void, unknown, Db> = Effect.flatMap(Db, (db) => attempt(() => db.flush()))

  /** Compacts [gte, lte] (default: everything) down the levels, after a flush. */
  static readonly compactRange = (options?: { readonly gte?: Bytes; readonly lte?: Bytes }): Effect.Effect<void, unknown, Db> =>
    Effect.flatMap(Db, (db) => attempt(() => db.compactRange(options)))

  /** `DB::Resume()` after a retryable background error (see `Database.resume`). */
  static readonly resume: Effect.Effect<void, unknown, Db> = Effect.flatMap(Db, (db) => attempt(() => db.resume()))

  static readonly get = (key: Bytes): Effect.Effect<Uint8Array | undefined, unknown, Db> =>
    Effect.flatMap(Db, (db) => attempt(() => db.get(key)))
}
