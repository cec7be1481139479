/**
 * Entry point (`pnpm kv-server`, or `bun run apps/kv-server/src/main.ts`): reads the
 * configuration from the environment, logs JSON lines, serves until SIGINT/SIGTERM, then
 * stops accepting, finishes the requests in flight, closes the database and exits 0.
 */
import { Effect, Layer, Logger } from "effect"
import { kvConfig } from "./KvConfig.ts"
import { kvServerLayer } from "./KvServer.ts"
import { currentPlatform } from "./Platform.ts"

const platform = await currentPlatform()

const main = Effect.gen(function* () {
  const config = yield* kvConfig
  yield* Effect.logInfo("starting").pipe(
    Effect.annotateLogs({ runtime: platform.name, strategy: config.engine.options.strategy, path: config.engine.options.path, auth: config.token._tag === "Some" }),
  )
  return yield* Layer.launch(kvServerLayer(config).pipe(Layer.provide(platform.serverLayer({ port: config.port, host: config.host })))).pipe(
    Logger.withMinimumLogLevel(config.logLevel),
  )
}).pipe(Effect.provide(Logger.json))

platform.runMain(main)
