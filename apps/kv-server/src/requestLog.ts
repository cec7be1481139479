/**
 * One structured log line per request, with a request id (the caller's `X-Request-Id`, or
 * a new UUID) that every log line of the request carries and the response echoes. Applied
 * outside the API (HttpApiBuilder.serve's middleware), so it sees the final status. While
 * the server drains, responses carry `Connection: close` (see Draining).
 */
import { randomUUID } from "node:crypto"
import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import type { Draining } from "./Draining.ts"

export const requestLog =
  (draining: Draining) =>
  <R>(app: HttpApp.Default<never, R>): HttpApp.Default<never, R> =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const requestId = request.headers["x-request-id"] ?? randomUUID()
      const started = performance.now()
      return Effect.logDebug("request received").pipe(
        Effect.zipRight(
          HttpApp.appendPreResponseHandler((_, response) =>
            Effect.sync(() => {
              const tagged = HttpServerResponse.setHeader(response, "x-request-id", requestId)
              return draining.started ? HttpServerResponse.setHeader(tagged, "connection", "close") : tagged
            }),
          ),
        ),
        Effect.zipRight(app),
        Effect.tap((response) =>
          Effect.log("request").pipe(
            Effect.annotateLogs({ status: response.status, ms: Math.round((performance.now() - started) * 10) / 10 }),
          ),
        ),
        Effect.annotateLogs({ requestId, method: request.method, url: request.url }),
      )
    })
