/**
 * What differs between runtimes: the HTTP server layer and the main runner. Everything
 * else (API, handlers, store) is the same code on Node and Bun.
 */
import type { HttpRouter, HttpServer } from "@effect/platform"
import type { ServeError } from "@effect/platform/HttpServerError"
import type { Effect, Layer } from "effect"

export interface Platform {
  readonly name: "node" | "bun"
  readonly serverLayer: (listen: {
    readonly port: number
    readonly host: string
  }) => Layer.Layer<HttpServer.HttpServer | HttpRouter.HttpRouter.DefaultServices, ServeError>
  readonly runMain: (effect: Effect.Effect<never, unknown>) => void
}

/** The platform of the runtime this process runs on. */
export const currentPlatform = async (): Promise<Platform> =>
  "Bun" in globalThis ? (await import("./platformBun.ts")).platform : (await import("./platformNode.ts")).platform
