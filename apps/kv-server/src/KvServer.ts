/**
 * The whole service as one layer, given the runtime's HTTP server layer (Node's or Bun's):
 * the API and its handlers, /docs and /openapi.json, the request middleware (request log,
 * bearer auth, body limit) and the KvStore, whose layer picks the write strategy from
 * the configuration. Building it opens the database, then listens; releasing it stops the
 * server (the requests in flight finish first) and then closes the database.
 */
import { HttpApiBuilder, HttpApiSwagger, type HttpApp, HttpMiddleware, type HttpRouter, HttpServer } from "@effect/platform"
import { Effect, Layer, Logger, LogLevel, Option } from "effect"
import { bearerAuth } from "./bearerAuth.ts"
import { bodyLimit } from "./bodyLimit.ts"
import type { Draining } from "./Draining.ts"
import { KvApi } from "./KvApi.ts"
import type { KvConfig } from "./KvConfig.ts"
import { kvHandlers } from "./KvHandlers.ts"
import { KvStore } from "./KvStore.ts"
import { ownerOnlyFiles } from "./ownerOnlyFiles.ts"
import { requestLog } from "./requestLog.ts"
import { routeNotFound } from "./routeNotFound.ts"

export const kvServerLayer = <E>(
  config: KvConfig,
  draining: Draining,
  httpServer: Layer.Layer<HttpServer.HttpServer | HttpRouter.HttpRouter.DefaultServices, E>,
): Layer.Layer<never, E> => {
  const auth = Option.match(config.token, {
    onNone:
      () =>
      <E, R>(app: HttpApp.Default<E, R>) =>
        app,
    onSome: bearerAuth,
  })
  const limit = bodyLimit(config.maxBodyBytes)
  const api = HttpApiBuilder.api(KvApi).pipe(Layer.provide(kvHandlers({ maxKeyBytes: config.maxKeyBytes })))
  const store = KvStore.layer(config.engine.input, { noSlowdown: config.noSlowdown }).pipe(
    Layer.provide(ownerOnlyFiles(config.engine.options.path)),
  )
  // Inside the API's error handling (the router's failures are still failures here), around every route including the docs.
  const guards = HttpApiBuilder.middleware((app) => auth(limit(routeNotFound(app))))
  return HttpApiBuilder.serve(requestLog(draining)).pipe(
    Layer.provide(guards),
    Layer.provide(HttpApiSwagger.layer({ path: "/docs" })),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
    Layer.provide(api),
    // The address is logged at any WRITEPATH_LOG_LEVEL: operators (and the tests) read the port from it.
    Layer.tap(() =>
      HttpServer.addressFormattedWith((address) => Effect.log(`Listening on ${address}`)).pipe(Logger.withMinimumLogLevel(LogLevel.Info)),
    ),
    // Order matters: the store is built before the HTTP server and so released after it; the
    // database closes only once the server has stopped and its requests in flight are done.
    Layer.provide(httpServer),
    Layer.provide(store),
    // No tracer is exported, so the per-request spans would be built for nobody.
    HttpMiddleware.withTracerDisabledWhen(() => true),
  )
}
