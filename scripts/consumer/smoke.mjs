/**
 * A user's first program against the installed tarballs, run on Node, Bun and Deno: open,
 * write, read, iterate, a batch, a snapshot, a transaction, the Effect face, reopen. Each
 * check throws with what it expected; the exit status is the verdict.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { join } from "node:path"
import { Db, open } from "@writepath/db"
import { Effect, Stream } from "effect"

const check = (ok, what) => {
  if (!ok) throw new Error(`smoke: ${what}`)
}
const text = (v) => (v === undefined ? undefined : new TextDecoder().decode(v))
const runtime = typeof Deno !== "undefined" ? "deno" : typeof Bun !== "undefined" ? "bun" : "node"
// In the project folder, not os.tmpdir(): that reads TMPDIR, an env access Deno refuses without --allow-env.
const dir = mkdtempSync(`smoke-${runtime}-`)
try {
  const db = await open({ path: join(dir, "db"), strategy: "pipelined" })
  await db.put("a", "1", { sync: true })
  await db.put("b", "2")
  await db.delete("b")
  const batch = db.batch().put("c", "3").put("d", "4")
  await db.write(batch)
  check(text(await db.get("a")) === "1", "get a")
  check((await db.get("b")) === undefined, "b deleted")
  const snap = db.snapshot()
  await db.put("a", "changed")
  check(text(await db.get("a", { snapshot: snap })) === "1", "snapshot read")
  snap.release()
  const keys = []
  for await (const [k] of db.iterator({ gte: "a", lt: "z" })) keys.push(text(k))
  check(keys.join(",") === "a,c,d", `iterator keys ${keys}`)
  check((await db.getMany(["a", "zz"])).map(text).join(",") === "changed,", "getMany")
  check((await db.has("c")) && !(await db.has("b")), "has")
  const limited = []
  for await (const k of db.keys({ limit: 2 })) limited.push(text(k))
  check(limited.join(",") === "a,c", `keys limit ${limited}`)
  let rejected = ""
  await db.deleteRange("z", "a").catch((e) => {
    rejected = e._tag
  })
  check(rejected === "InvalidArgument", "deleteRange end before start")
  const t = db.beginTransaction({ name: "t1" })
  t.put("e", "5")
  await t.prepare()
  await t.commit()
  check(text(await db.get("e")) === "5", "transaction committed")
  await db.close()

  const tag = await Effect.runPromise(
    Effect.gen(function* () {
      yield* Db.put("f", "6")
      check(text(yield* Db.get("f")) === "6", "Db.get f")
      check(text(yield* Db.get("e")) === "5", "reopened: e")
      const keys = yield* Stream.runCollect(Db.keys({ gte: "c" }))
      check([...keys].map(text).join(",") === "c,d,e,f", `Db.keys ${[...keys].map(text)}`)
      return yield* Db.put(42, "x").pipe(
        Effect.map(() => "accepted"),
        Effect.catchTag("InvalidArgument", (e) => Effect.succeed(e._tag)),
      )
    }).pipe(Effect.provide(Db.layer({ path: join(dir, "db") }))),
  )
  check(tag === "InvalidArgument", `bad key caught by tag: ${tag}`)
  console.log(`smoke ok on ${runtime}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
