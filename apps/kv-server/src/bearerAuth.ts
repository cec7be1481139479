/**
 * Bearer-token check for every request (API, /docs and /openapi.json alike) when
 * WRITEPATH_TOKEN is set: `Authorization: Bearer <token>` or 401.
 *
 * Constant time: the header and the expected header are compared as SHA-256 digests with
 * `timingSafeEqual`, so neither the token's length nor the position of the first wrong
 * byte shows in the response time.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { type HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Redacted } from "effect"

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest()

export const bearerAuth = (token: Redacted.Redacted<string>) => {
  const expected = digest(`Bearer ${Redacted.value(token)}`)
  return <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const given = request.headers.authorization
      if (given !== undefined && timingSafeEqual(digest(given), expected)) return app
      return Effect.succeed(
        HttpServerResponse.unsafeJson(
          {
            _tag: "Unauthorized",
            message: given === undefined ? "missing Authorization: Bearer <token> header" : "wrong bearer token",
          },
          { status: 401, headers: { "www-authenticate": 'Bearer realm="writepath"' } },
        ),
      )
    })
}
