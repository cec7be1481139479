/**
 * The request-body limit (WRITEPATH_MAX_BODY_BYTES), checked from the headers before a byte
 * of the body is read: Content-Length over the limit -> 413; a chunked body (no
 * Content-Length, so its size is unknown until read) -> 411. The platform's own reader
 * limit is set to the same value as a second guard.
 */
import { type HttpApp, HttpIncomingMessage, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"

export const bodyLimit =
  (maxBodyBytes: number) =>
  <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const length = request.headers["content-length"]
      if (length === undefined) {
        if (request.headers["transfer-encoding"] !== undefined) {
          return Effect.succeed(
            HttpServerResponse.unsafeJson(
              { _tag: "LengthRequired", message: "a request body needs a Content-Length header (chunked bodies are refused)" },
              { status: 411 },
            ),
          )
        }
      } else if (Number(length) > maxBodyBytes) {
        return Effect.succeed(
          HttpServerResponse.unsafeJson(
            {
              _tag: "PayloadTooLarge",
              limit: maxBodyBytes,
              message: `the body is ${length} bytes, over the limit of ${maxBodyBytes} (WRITEPATH_MAX_BODY_BYTES)`,
            },
            { status: 413, headers: { connection: "close" } },
          ),
        )
      }
      return HttpIncomingMessage.withMaxBodySize(app, Option.some(maxBodyBytes))
    })
