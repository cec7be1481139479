/**
 * One structured log line per request, with a request id (the caller's `X-Request-Id`, or
 * a new UUID) that every log line of the request carries and the response echoes. Applied
 * outside the API (HttpApiBuilder.serve's middleware), so it sees the final status.
 */
import { randomUUID } from "node:crypto"
import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"

export const requestLog = <R>(app: HttpApp.Default<never, R>): HttpApp.Default<never, R> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const requestId = request.headers["x-request-id"] ?? randomUUID()
    const started = performance.now()
    return Effect.logDebug("request received").pipe(
      Effect.zipRight(HttpApp.appendPreResponseHandler((_, response) => Effect.succeed(HttpServerResponse.setHeader(response, "x-request-id", requestId)))),
      Effect.zipRight(app),
      Effect.tap((response) =>
        Effect.log("request").pipe(Effect.annotateLogs({ status: response.status, ms: Math.round((performance.now() - started) * 10) / 10 })),
      ),
      Effect.annotateLogs({ requestId, method: request.method, url: request.url }),
    )
  })
