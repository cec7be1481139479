/**
 * The public API beyond the conformance suite: level/lmdb-style reads (getMany, has, clear,
 * limit, keys, values), the user-facing Batch, iterators after close, deleteRange's order
 * check, and the Effect face (Streams, scoped snapshots, transactions, typed errors, Config).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { it } from "@effect/vitest"
import { Config, ConfigProvider, Effect, Exit, Layer, Stream } from "effect"
import { afterEach, describe, expect, it as vit } from "vitest"
import { Batch, type Database, Db, DbClosed, type DbError, InvalidArgument, open } from "../src/index.ts"

const dirs: string[] = []
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-api-"))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b))
const collect = async <A>(it: AsyncIterable<A>): Promise<A[]> => {
  const out: A[] = []
  for await (const x of it) out.push(x)
  return out
}
const texts = (xs: ReadonlyArray<Uint8Array>): string[] => xs.map((x) => text(x)!)
const filled = async (): Promise<Database> => {
  const db = await open({ path: tmp(), strategy: "classic" })
  await db.write(db.batch().put("a", "1").put("b", "2").put("c", "3").put("d", "4").put("e", "5"))
  return db
}

describe("Promise face", () => {
  vit("getMany reads every key at one sequence; has says whether a key has a value", async () => {
    const db = await filled()
    const snap = db.snapshot()
    await db.delete("b")
    expect((await db.getMany(["a", "b", "zz"])).map(text)).toEqual(["1", undefined, undefined])
    expect((await db.getMany(["a", "b"], { snapshot: snap })).map(text)).toEqual(["1", "2"])
    expect([await db.has("a"), await db.has("b"), await db.has("b", { snapshot: snap })]).toEqual([true, false, true])
    await expect(db.getMany(["a", 7 as never])).rejects.toThrow("keys[1] must be a Uint8Array or a string")
    await db.close()
  })

  vit("iterator limit, keys() and values() walk the same entries", async () => {
    const db = await filled()
    expect(texts(await collect(db.keys({ limit: 3 })))).toEqual(["a", "b", "c"])
    expect(texts(await collect(db.keys({ reverse: true, limit: 2 })))).toEqual(["e", "d"])
    expect(texts(await collect(db.values({ gt: "b", lte: "d" })))).toEqual(["3", "4"])
    expect(await collect(db.iterator({ limit: 0 }))).toEqual([])
    expect(() => db.iterator({ limit: -1 })).toThrow("option `limit` must be a non-negative integer, got -1")
    expect(() => db.keys({ limit: 1.5 })).toThrow(InvalidArgument)
    await db.close()
  })

  vit("clear deletes a range (every key without one), more keys than one batch holds", async () => {
    const db = await open({ path: tmp() })
    const b = db.batch()
    for (let i = 0; i < 3000; i++) b.put(`k${String(i).padStart(5, "0")}`, "v")
    await db.write(b)
    await db.clear({ gte: "k00100", lt: "k02900" })
    const left = texts(await collect(db.keys()))
    expect(left.length).toBe(200)
    expect([left[99], left[100]]).toEqual(["k00099", "k02900"])
    await db.clear({ writeOptions: { sync: true } })
    expect(await collect(db.keys())).toEqual([])
    await expect(db.clear({ writeOptions: { synk: true } as never })).rejects.toMatchObject({ _tag: "InvalidOptions" })
    await db.close()
  })

  vit("an iterator opened before close() fails at its next step after it", async () => {
    const db = await filled()
    const it = db.iterator()[Symbol.asyncIterator]()
    expect(text((await it.next()).value?.[0])).toBe("a")
    await db.close()
    const e = await it.next().then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(e).toBeInstanceOf(DbClosed)
    expect((e as DbClosed).message).toBe("iterator.next: the database is closed")
  })

  vit("deleteRange rejects an end before its start, in the database and in a batch; an empty range is a no-op", async () => {
    const db = await filled()
    await expect(db.deleteRange("z", "a")).rejects.toThrow("Invalid argument: deleteRange: end key comes before start key")
    expect(() => db.batch().deleteRange(new Uint8Array([2]), new Uint8Array([1]))).toThrow(InvalidArgument)
    await db.deleteRange("c", "c")
    expect(text(await db.get("c"))).toBe("3")
    await db.deleteRange("b", "d")
    expect(texts(await collect(db.keys()))).toEqual(["a", "d", "e"])
    await db.close()
  })

  vit("Batch: only user operations; count and byteSize; write accepts nothing else", async () => {
    const db = await open({ path: tmp() })
    const b = db.batch().put("a", "1").delete("b").deleteRange("c", "d")
    expect(b).toBeInstanceOf(Batch)
    expect(b.count).toBe(3)
    expect(b.byteSize).toBeGreaterThan(12)
    expect(b.clear().count).toBe(0)
    // @ts-expect-error a column family is not part of the public batch
    b.put("k", "v", 3)
    expect(b.count).toBe(1)
    await expect(db.write({ put() {} } as never)).rejects.toThrow("write: expected a Batch (db.batch())")
    await db.close()
  })
})

describe("Effect face", () => {
  it.effect("iterator, keys and values are Streams; snapshot is released with its scope", () =>
    Effect.gen(function* () {
      const db = yield* Db
      yield* Db.write(db.batch().put("a", "1").put("b", "2").put("c", "3"))
      const entries = yield* Stream.runCollect(Db.iterator({ gte: "b" }))
      expect([...entries].map(([k, v]) => `${text(k)}=${text(v)}`)).toEqual(["b=2", "c=3"])
      expect(texts([...(yield* Stream.runCollect(Db.keys({ reverse: true, limit: 2 })))])).toEqual(["c", "b"])
      expect(texts([...(yield* Stream.runCollect(Db.values().pipe(Stream.take(1))))])).toEqual(["1"])
      const snap = yield* Effect.scoped(
        Effect.gen(function* () {
          const s = yield* Db.snapshot
          yield* Db.put("a", "changed")
          expect(text(yield* Db.get("a", { snapshot: s }))).toBe("1")
          return s
        }),
      )
      expect(snap.isReleased).toBe(true)
      expect(yield* Db.has("a")).toBe(true)
      expect((yield* Db.getMany(["a", "x"])).map(text)).toEqual(["changed", undefined])
      yield* Db.deleteRange("a", "b")
      yield* Db.clear({ gte: "c" })
      expect(texts([...(yield* Stream.runCollect(Db.keys()))])).toEqual(["b"])
      expect((yield* Db.stats).strategy).toBe("pipelined")
    }).pipe(Effect.provide(Db.layer({ path: tmp(), strategy: "pipelined" }))),
  )

  it.effect("engine errors are typed: catchTag on InvalidArgument, a bad stream fails with its tag", () =>
    Effect.gen(function* () {
      const tag = yield* Db.deleteRange("z", "a").pipe(
        Effect.as("accepted"),
        Effect.catchTag("InvalidArgument", (e) => Effect.succeed(e.reason)),
      )
      expect(tag).toBe("deleteRange: end key comes before start key")
      const bad = yield* Effect.exit(Stream.runCollect(Db.keys({ limit: -1 })))
      expect(Exit.isFailure(bad) && bad.cause._tag === "Fail" && (bad.cause.error as DbError)._tag).toBe("InvalidArgument")
      const opened = yield* Effect.exit(Layer.build(Db.layer({ path: "" })).pipe(Effect.scoped))
      expect(Exit.isFailure(opened) && opened.cause._tag === "Fail" && opened.cause.error._tag).toBe("InvalidOptions")
    }).pipe(Effect.provide(Db.layer({ path: tmp() }))),
  )

  it.effect("withTransaction commits on success and rolls back on failure; prepared ones are listed", () =>
    Effect.gen(function* () {
      const n = yield* Db.withTransaction({ name: "t1" }, (txn) => Effect.sync(() => txn.put("x", "1")).pipe(Effect.as(7)))
      expect(n).toBe(7)
      expect(text(yield* Db.get("x"))).toBe("1")
      const failed = yield* Effect.exit(
        Db.withTransaction({ name: "t2" }, (txn) =>
          Effect.sync(() => txn.put("y", "1")).pipe(Effect.zipRight(Effect.fail("body failed" as const))),
        ),
      )
      expect(Exit.isFailure(failed)).toBe(true)
      expect(yield* Db.get("y")).toBeUndefined()
      // The name is free again: the failed transaction was rolled back and released.
      yield* Db.withTransaction({ name: "t2" }, (txn) => Effect.sync(() => txn.put("y", "2")))
      expect(text(yield* Db.get("y"))).toBe("2")
      const db = yield* Db
      const t3 = db.beginTransaction({ name: "t3" })
      t3.put("z", "1")
      yield* Effect.promise(() => t3.prepare())
      expect((yield* Db.getPreparedTransactions).map((t) => t.name)).toEqual(["t3"])
      yield* Effect.promise(() => t3.rollback())
    }).pipe(Effect.provide(Db.layer({ path: tmp(), strategy: "two-queue" }))),
  )

  it.effect("Db.layerConfig reads the options from Config (here a map standing for the environment)", () => {
    const dir = tmp()
    const config = Config.all({
      path: Config.string("DB_PATH"),
      strategy: Config.literal("classic", "pipelined", "two-queue", "concurrent-memtable")("DB_STRATEGY"),
    })
    const env = ConfigProvider.fromMap(
      new Map([
        ["DB_PATH", dir],
        ["DB_STRATEGY", "two-queue"],
      ]),
    )
    return Effect.gen(function* () {
      yield* Db.put("k", "v")
      expect([(yield* Db).path, (yield* Db).strategy]).toEqual([dir, "two-queue"])
      const missing = yield* Effect.exit(
        Layer.build(Db.layerConfig(config)).pipe(Effect.scoped, Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))),
      )
      expect(Exit.isFailure(missing) && missing.cause._tag === "Fail" && missing.cause.error._tag).toBe("ConfigError")
    }).pipe(Effect.provide(Db.layerConfig(config)), Effect.withConfigProvider(env))
  })
})
