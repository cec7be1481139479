/**
 * Entry point (`pnpm kv-server`, or `bun run apps/kv-server/src/main.ts`): reads the
 * configuration from the environment, logs JSON lines, serves until SIGINT/SIGTERM, then
 * stops accepting, finishes the requests in flight, closes the database and exits 0.
 *
 * Shutdown order (the main scope's finalizers run last-added first): mark Draining and log
 * "shutting down"; the HTTP server stops listening and waits for the requests in flight
 * (writes are uninterruptible); the database closes (waiting for in-flight writes); exit 0.
 */
import { Effect, Layer, Logger } from "effect"
import { Draining } from "./Draining.ts"
import { kvConfig } from "./KvConfig.ts"
import { kvServerLayer } from "./KvServer.ts"
import { currentPlatform } from "./Platform.ts"

const platform = await currentPlatform()

const main = Effect.gen(function* () {
  const config = yield* kvConfig
  yield* Effect.logInfo("starting").pipe(
    Effect.annotateLogs({
      runtime: platform.name,
      strategy: config.engine.options.strategy,
      path: config.engine.options.path,
      auth: config.token._tag === "Some",
    }),
  )
  const draining = new Draining()
  const server = kvServerLayer(config, draining, platform.serverLayer({ port: config.port, host: config.host }))
  return yield* Effect.scoped(
    Effect.gen(function* () {
      yield* Effect.addFinalizer(() => Effect.logInfo("closed: database closed, exiting"))
      yield* Layer.build(server)
      yield* Effect.addFinalizer(() =>
        Effect.zipRight(
          Effect.sync(() => draining.start()),
          Effect.logInfo("shutting down: no new connections, finishing requests in flight"),
        ),
      )
      return yield* Effect.never
    }),
  ).pipe(Logger.withMinimumLogLevel(config.logLevel))
}).pipe(Effect.provide(Logger.json))

platform.runMain(main)
