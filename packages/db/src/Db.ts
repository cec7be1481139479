/**
 * The Effect face of the engine: a `Db` service whose layer opens and recovers the
 * database when built and closes it when its scope closes.
 *
 *   const program = Effect.gen(function* () {
 *     const db = yield* Db
 *     yield* Db.put("k", "v")
 *     const v = yield* Db.get("k")
 *   }).pipe(Effect.provide(Db.layer({ path: "./data", strategy: "classic" })))
 *
 * `Db.layerWith(options, strategyLayer)` takes any WriteStrategy layer (Classic.layer,
 * Pipelined.layer, TwoQueue.layer, ConcurrentMemtable.layer, or your own).
 */
import type { Bytes, WriteBatch } from "@writepath/batch"
import type { StrategyLayer } from "@writepath/strategies"
import { Context, Effect, Layer } from "effect"
import { type Database, open as openDatabase } from "./Database.ts"

export class Db extends Context.Tag("@writepath/db/Db")<Db, Database>() {
  static readonly layer = (options: unknown): Layer.Layer<Db, unknown> => Db.layerWith(options, undefined)

  static readonly layerWith = (options: unknown, strategy: StrategyLayer | undefined): Layer.Layer<Db, unknown> =>
    Layer.scoped(
      Db,
      Effect.acquireRelease(Effect.tryPromise({ try: () => openDatabase(options, strategy), catch: (e) => e }), (db) =>
        Effect.promise(() => db.close()),
      ),
    )

  static readonly put = (key: Bytes, value: Bytes, options?: unknown): Effect.Effect<void, unknown, Db> =>
    Effect.flatMap(Db, (db) => Effect.tryPromise({ try: () => db.put(key, value, options), catch: (e) => e }))

  static readonly delete = (key: Bytes, options?: unknown): Effect.Effect<void, unknown, Db> =>
    Effect.flatMap(Db, (db) => Effect.tryPromise({ try: () => db.delete(key, options), catch: (e) => e }))

  static readonly write = (batch: WriteBatch, options?: unknown): Effect.Effect<void, unknown, Db> =>
    Effect.flatMap(Db, (db) => Effect.tryPromise({ try: () => db.write(batch, options), catch: (e) => e }))

  static readonly get = (key: Bytes): Effect.Effect<Uint8Array | undefined, unknown, Db> =>
    Effect.flatMap(Db, (db) => Effect.tryPromise({ try: () => db.get(key), catch: (e) => e }))
}
