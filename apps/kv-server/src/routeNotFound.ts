/**
 * A path or method the API does not have answers JSON naming it (the router's own 404 has
 * no body): 400 for a write to /kv or /kv/ (the key is missing), 404 otherwise.
 */
import { type HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"

const isRouteNotFound = (e: unknown): boolean => typeof e === "object" && e !== null && "_tag" in e && e._tag === "RouteNotFound"

const notFound = (request: HttpServerRequest.HttpServerRequest): HttpServerResponse.HttpServerResponse => {
  const path = request.url.split("?")[0]
  if (path === "/kv" || path === "/kv/") {
    return HttpServerResponse.unsafeJson(
      { _tag: "BadRequest", message: `key is missing or empty: ${request.method} /kv/{key}` },
      { status: 400 },
    )
  }
  return HttpServerResponse.unsafeJson({ _tag: "RouteNotFound", message: `no route for ${request.method} ${path}` }, { status: 404 })
}

export const routeNotFound = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.catchIf(app, isRouteNotFound, () => Effect.map(HttpServerRequest.HttpServerRequest, notFound))
