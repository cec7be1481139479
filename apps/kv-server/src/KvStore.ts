/**
 * The service's one door to the engine: a `KvStore` service over `@writepath/db`'s `Db`
 * layer. Everything the HTTP handlers need from the engine goes through here, so a change
 * of the engine's public face touches this file only.
 *
 * The write strategy is picked here and nowhere else: `KvStore.layer(config)` composes
 * `Db.layerWith(options, { strategy: Strategy.layerFor(options.strategy) })`; the rest of
 * the app sees a store, not a strategy.
 *
 * Owns: the names of transactions with a prepare, commit or rollback in flight.
 * Invariants:
 *  1. A write resolves only once the engine acknowledged it with the durability asked for
 *     (`sync` true: after the WAL's fdatasync).
 *  2. At most one transaction operation per name is in flight; a second one gets
 *     TransactionConflict instead of racing the first.
 *  3. Engine errors map to: ReadOnlyError, IOError, WriteStall, DbClosed -> EngineUnavailable
 *     (503); InvalidArgument, InvalidOptions -> BadRequest (400); anything else is a defect.
 * Yields at every engine call (writes wait for their group's WAL write and sync).
 */
import { type Database, Db, type DbStats, type OpenOptions, type Transaction } from "@writepath/db"
import { Strategy, type StrategyName } from "@writepath/strategies"
import { Context, Effect, Layer, Stream } from "effect"
import { BadRequest, EngineUnavailable, TransactionConflict, TransactionNotFound } from "./KvError.ts"

export type BatchOp =
  | { readonly type: "put"; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: "delete"; readonly key: Uint8Array }

export interface ScanRange {
  readonly gte?: Uint8Array
  readonly lt?: Uint8Array
  readonly reverse: boolean
}

export type StoreError = BadRequest | EngineUnavailable
export type TransactionError = StoreError | TransactionNotFound | TransactionConflict

export interface KvStoreService {
  /** The strategy the engine runs (reported by /stats and /health only). */
  readonly strategy: string
  readonly get: (key: Uint8Array) => Effect.Effect<Uint8Array | undefined, StoreError>
  readonly put: (key: Uint8Array, value: Uint8Array, sync: boolean) => Effect.Effect<void, StoreError>
  readonly delete: (key: Uint8Array, sync: boolean) => Effect.Effect<void, StoreError>
  /** All the operations or none, in one WriteBatch. */
  readonly write: (ops: ReadonlyArray<BatchOp>, sync: boolean) => Effect.Effect<void, StoreError>
  /** Key order (or reverse) as of the scan's start. */
  readonly scan: (range: ScanRange) => Stream.Stream<readonly [Uint8Array, Uint8Array], StoreError>
  /** Begins transaction `name`, records the operations and prepares it (WAL only). */
  readonly prepare: (name: string, ops: ReadonlyArray<BatchOp>, sync: boolean) => Effect.Effect<void, StoreError | TransactionConflict>
  readonly commit: (name: string) => Effect.Effect<void, TransactionError>
  readonly rollback: (name: string) => Effect.Effect<void, TransactionError>
  /** Names of the prepared transactions (after a restart: those the WAL left prepared). */
  readonly prepared: Effect.Effect<ReadonlyArray<string>>
  readonly stats: Effect.Effect<DbStats>
}

const UNAVAILABLE = new Set(["ReadOnlyError", "IOError", "WriteStall", "DbClosed"])
const BAD_INPUT = new Set(["InvalidArgument", "InvalidOptions"])

const tagOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "_tag" in e && typeof e._tag === "string" ? e._tag : undefined

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Invariant 3. Unknown failures are defects: they surface as 500 and in the log. */
const fromEngine = (e: unknown): Effect.Effect<never, StoreError> => {
  const tag = tagOf(e)
  if (tag !== undefined && UNAVAILABLE.has(tag)) return Effect.fail(new EngineUnavailable({ engineError: tag, message: messageOf(e) }))
  if (tag !== undefined && BAD_INPUT.has(tag)) return Effect.fail(new BadRequest({ message: messageOf(e) }))
  return Effect.die(e)
}

/** Runs an engine call; synchronous throws and rejections both go through `fromEngine`. */
const engine = <A>(f: () => Promise<A> | A): Effect.Effect<A, StoreError> =>
  Effect.tryPromise({ try: async () => f(), catch: (e) => e }).pipe(Effect.catchAll(fromEngine))

export class KvStore extends Context.Tag("@writepath/kv-server/KvStore")<KvStore, KvStoreService>() {
  /** Opens the database with the strategy its options name; closes it with the layer's scope. */
  static readonly layer = (
    options: OpenOptions & { readonly strategy: StrategyName },
    writeDefaults: { readonly noSlowdown: boolean },
  ): Layer.Layer<KvStore> =>
    Layer.effect(
      KvStore,
      Effect.map(Db, (db) => make(db, writeDefaults.noSlowdown)),
    ).pipe(Layer.provide(Layer.orDie(Db.layerWith(options, { strategy: Strategy.layerFor(options.strategy) }))))
}

const make = (db: Database, noSlowdown: boolean): KvStoreService => {
  const busy = new Set<string>()
  const wo = (sync: boolean) => ({ sync, noSlowdown })

  const fill = (ops: ReadonlyArray<BatchOp>, target: { put(k: Uint8Array, v: Uint8Array): unknown; delete(k: Uint8Array): unknown }) => {
    for (const op of ops) {
      if (op.type === "put") target.put(op.key, op.value)
      else target.delete(op.key)
    }
  }

  /** Invariant 2: the name is held for the operation's whole flight. */
  const exclusive = <A, E>(name: string, body: Effect.Effect<A, E>): Effect.Effect<A, E | TransactionConflict> =>
    Effect.suspend((): Effect.Effect<A, E | TransactionConflict> => {
      if (busy.has(name)) {
        return Effect.fail(new TransactionConflict({ name, message: `transaction ${name}: another operation on it is in flight` }))
      }
      busy.add(name)
      return Effect.ensuring(
        body,
        Effect.sync(() => busy.delete(name)),
      )
    })

  const preparedNamed = (name: string): Effect.Effect<Transaction, TransactionNotFound> => {
    const t = db.getPreparedTransactions().find((x) => x.name === name)
    return t === undefined
      ? Effect.fail(new TransactionNotFound({ name, message: `transaction ${name} is not prepared` }))
      : Effect.succeed(t)
  }

  return {
    strategy: db.strategy,
    get: (key) => engine(() => db.get(key)),
    put: (key, value, sync) => engine(() => db.put(key, value, wo(sync))),
    delete: (key, sync) => engine(() => db.delete(key, wo(sync))),
    write: (ops, sync) =>
      engine(() => {
        const b = db.batch()
        fill(ops, b)
        return db.write(b, wo(sync))
      }),
    scan: (range) =>
      Stream.suspend(() => {
        try {
          const it = db.iterator({
            ...(range.gte === undefined ? {} : { gte: range.gte }),
            ...(range.lt === undefined ? {} : { lt: range.lt }),
            reverse: range.reverse,
          })
          return Stream.fromAsyncIterable(it, (e) => e).pipe(Stream.catchAll((e) => Stream.fromEffect(fromEngine(e))))
        } catch (e) {
          return Stream.fromEffect(fromEngine(e))
        }
      }),
    prepare: (name, ops, sync) =>
      exclusive(
        name,
        Effect.suspend((): Effect.Effect<void, StoreError | TransactionConflict> => {
          if (db.getPreparedTransactions().some((t) => t.name === name)) {
            return Effect.fail(new TransactionConflict({ name, message: `transaction ${name} is already prepared` }))
          }
          return engine(() => {
            const t = db.beginTransaction({ name, writeOptions: wo(sync) })
            fill(ops, t)
            return t.prepare().catch(async (e) => {
              // A prepare that did not reach the WAL leaves nothing to keep: free the name.
              if (t.state === "started") await t.rollback()
              throw e
            })
          })
        }),
      ),
    commit: (name) =>
      exclusive(
        name,
        Effect.flatMap(preparedNamed(name), (t) => engine(() => t.commit())),
      ),
    rollback: (name) =>
      exclusive(
        name,
        Effect.flatMap(preparedNamed(name), (t) => engine(() => t.rollback())),
      ),
    prepared: Effect.sync(() => db.getPreparedTransactions().map((t) => t.name)),
    stats: Effect.sync(() => db.stats()),
  }
}
