import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { it } from "@effect/vitest"
import { Classic, Pipelined } from "@writepath/strategies"
import { FaultInjector, layerFaultyLogFile } from "@writepath/testkit"
import { layerNode } from "@writepath/wal"
import { Effect, Exit, Layer } from "effect"
import { expect } from "vitest"
import { Db, open } from "../src/index.ts"

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "writepath-effect-"))
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b))

it.effect("Db.layer opens and recovers when built, closes (LOCK released) when its scope closes", () =>
  Effect.gen(function* () {
    const dir = tmp()
    yield* Effect.scoped(
      Effect.gen(function* () {
        yield* Db.put("k", "v", { sync: true })
        yield* Db.write((yield* Db).batch().put("a", "1").delete("k"))
        expect(text(yield* Db.get("a"))).toBe("1")
        // While the layer is alive the folder is locked.
        const second = yield* Effect.exit(Effect.promise(() => open({ path: dir }).then(undefined, (e: unknown) => e)))
        expect(Exit.isSuccess(second) && (second.value as { _tag?: string })._tag).toBe("DatabaseLocked")
      }).pipe(Effect.provide(Db.layer({ path: dir, strategy: "classic" }))),
    )
    // Scope closed: the database was closed and can be reopened, with its data recovered.
    const again = yield* Effect.promise(() => open({ path: dir }))
    expect(text(yield* Effect.promise(() => again.get("a")))).toBe("1")
    expect(yield* Effect.promise(() => again.get("k"))).toBeUndefined()
    yield* Effect.promise(() => again.close())
    fs.rmSync(dir, { recursive: true, force: true })
  }),
)

it.effect("Db.layerWith takes a strategy layer; Db.layerFromContext takes the LogFile service from the context", () =>
  Effect.gen(function* () {
    const dir = tmp()
    const strategy = yield* Effect.scoped(
      Effect.gen(function* () {
        yield* Db.put("x", "1")
        return (yield* Db).strategy
      }).pipe(Effect.provide(Db.layerWith({ path: dir, strategy: "classic" }, { strategy: Pipelined.layer }))),
    )
    expect(strategy).toBe("pipelined")
    const faults = new FaultInjector().inject({ op: "datasync" })
    const failed = yield* Effect.scoped(
      Effect.flip(Db.put("y", "2", { sync: true })).pipe(
        Effect.provide(
          Db.layerFromContext({ path: dir }, Classic.layer).pipe(
            Layer.provide(layerFaultyLogFile(faults).pipe(Layer.provide(layerNode()))),
          ),
        ),
      ),
    )
    expect((failed as { _tag?: string })._tag).toBe("IOError")
    expect(faults.fired).toHaveLength(1)
    fs.rmSync(dir, { recursive: true, force: true })
  }),
)

it.effect("Db.flush puts the memtable into a table and Db.compactRange compacts level 0 away", () =>
  Effect.gen(function* () {
    const dir = tmp()
    const stats = yield* Effect.scoped(
      Effect.gen(function* () {
        for (let i = 0; i < 3; i++) {
          yield* Db.put(`k${i}`, `v${i}`)
          yield* Db.flush
        }
        const afterFlush = (yield* Db).stats()
        yield* Db.compactRange()
        return [afterFlush, (yield* Db).stats()] as const
      }).pipe(Effect.provide(Db.layer({ path: dir, disableAutoCompactions: true }))),
    )
    expect(stats[0].levelFiles[0]).toBe(3)
    expect(stats[1].levelFiles[0]).toBe(0)
    expect(stats[1].compactions).toBeGreaterThan(0)
    const again = yield* Effect.promise(() => open({ path: dir }))
    expect(text(yield* Effect.promise(() => again.get("k2")))).toBe("v2")
    yield* Effect.promise(() => again.close())
    fs.rmSync(dir, { recursive: true, force: true })
  }),
)
