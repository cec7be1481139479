/**
 * Compiled with `tsc --strict` against the installed tarballs' declarations: the types a user
 * gets. Each `@ts-expect-error` must meet an error (an option typo or a wrong type compiling
 * would make tsc fail here); the rest must compile, `Effect.catchTag` on engine errors included.
 */
import { type Database, Db, type DbError, type InvalidArgument, open } from "@writepath/db"
import { Effect, Stream } from "effect"

export const typos = async (): Promise<void> => {
  // @ts-expect-error misspelled option and strategy
  await open({ path: "./data", stratgy: "clasic" })
  // @ts-expect-error writeBufferSize is a number of bytes
  await open({ path: "./data", writeBufferSize: "64MB" })
  const db: Database = await open({ path: "./data", strategy: "pipelined", writeBufferSize: 64 * 1024 * 1024 })
  // @ts-expect-error misspelled write option
  await db.put("k", "v", { synk: true })
  // @ts-expect-error misspelled iterator option
  db.iterator({ revers: true })
  // @ts-expect-error the public batch has no column family argument
  db.batch().put("k", "v", 3)
  // @ts-expect-error the public batch has no sequence
  db.batch().sequence = 5
  // @ts-expect-error engine internals are not part of the declarations
  db.impl
  await db.close()
}

export const typed: Effect.Effect<string, Exclude<DbError, InvalidArgument>, Db> = Db.put("k", "v", { sync: true }).pipe(
  Effect.zipRight(Stream.runCollect(Db.keys({ limit: 10 }))),
  Effect.as("ok"),
  Effect.catchTag("InvalidArgument", (e: InvalidArgument) => Effect.succeed(e.reason)),
)

export const layer = Db.layer({ path: "./data", strategy: "two-queue" })
// @ts-expect-error misspelled layer option
export const badLayer = Db.layer({ path: "./data", strategy: "two-queue", syncc: true })
