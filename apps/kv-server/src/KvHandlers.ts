/**
 * The API's handlers: HTTP in, KvStore calls, HTTP out. They never learn which write
 * strategy runs. Writes are uninterruptible: once a write reached the engine its request
 * finishes (a shutdown waits for it; a client that hangs up does not cancel it).
 */
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect, Stream } from "effect"
import { KvApi } from "./KvApi.ts"
import { BadRequest, KeyNotFound } from "./KvError.ts"
import { KvStore } from "./KvStore.ts"
import { batchBody, keyBytes, rawBody } from "./requestBody.ts"

export interface Limits {
  readonly maxKeyBytes: number
}

const enc = new TextEncoder()
const dec = new TextDecoder()

/** One NDJSON line of a scan: the key as UTF-8 text, the value as base64. */
const scanLine = ([k, v]: readonly [Uint8Array, Uint8Array]): Uint8Array =>
  enc.encode(`${JSON.stringify({ key: dec.decode(k), value: Buffer.from(v.buffer, v.byteOffset, v.length).toString("base64") })}\n`)

const durable = (p: { readonly sync?: "true" | "false" | undefined }): boolean => p.sync !== "false"
const writeOnly = { uninterruptible: true } as const

export const kvHandlers = (limits: Limits) =>
  HttpApiBuilder.group(KvApi, "kv", (handlers) =>
    Effect.gen(function* () {
      const store = yield* KvStore
      const key = (k: string) => keyBytes(k, limits.maxKeyBytes)
      return handlers
        .handle("get", ({ path }) =>
          Effect.flatMap(key(path.key), (k) =>
            Effect.flatMap(store.get(k), (v) =>
              v === undefined
                ? Effect.fail(new KeyNotFound({ key: path.key, message: `key ${JSON.stringify(path.key)} not found` }))
                : Effect.succeed(v),
            ),
          ),
        )
        .handleRaw(
          "put",
          ({ path, urlParams, request }) =>
            Effect.gen(function* () {
              const k = yield* key(path.key)
              const value = yield* rawBody(request)
              yield* store.put(k, value, durable(urlParams))
              return HttpServerResponse.empty({ status: 204 })
            }),
          writeOnly,
        )
        .handle("delete", ({ path, urlParams }) => Effect.flatMap(key(path.key), (k) => store.delete(k, durable(urlParams))), writeOnly)
        .handle("scan", ({ urlParams, request }) =>
          Effect.gen(function* () {
            // The router matches /kv/ here too: that is a PUT/GET/DELETE of an empty key, not a scan.
            if (request.url.startsWith("/kv/")) return yield* new BadRequest({ message: "key is empty" })
            const gte = urlParams.gte === undefined ? undefined : yield* keyBytes(urlParams.gte, limits.maxKeyBytes, "gte")
            const lt = urlParams.lt === undefined ? undefined : yield* keyBytes(urlParams.lt, limits.maxKeyBytes, "lt")
            const rows = store.scan({
              ...(gte === undefined ? {} : { gte }),
              ...(lt === undefined ? {} : { lt }),
              reverse: urlParams.reverse === "true",
            })
            const limited = urlParams.limit === undefined ? rows : Stream.take(rows, urlParams.limit)
            return HttpServerResponse.stream(Stream.map(limited, scanLine), { contentType: "application/x-ndjson" })
          }),
        )
        .handleRaw(
          "batch",
          ({ urlParams, request }) =>
            Effect.gen(function* () {
              const ops = yield* batchBody(request, limits.maxKeyBytes)
              const sync = durable(urlParams)
              yield* store.write(ops, sync)
              return { ops: ops.length, sync }
            }),
          writeOnly,
        )
        .handleRaw(
          "prepare",
          ({ path, urlParams, request }) =>
            Effect.gen(function* () {
              const ops = yield* batchBody(request, limits.maxKeyBytes)
              yield* store.prepare(path.name, ops, durable(urlParams))
              return { name: path.name, state: "prepared" as const }
            }),
          writeOnly,
        )
        .handle("commit", ({ path }) => Effect.as(store.commit(path.name), { name: path.name, state: "committed" as const }), writeOnly)
        .handle(
          "rollback",
          ({ path }) => Effect.as(store.rollback(path.name), { name: path.name, state: "rolledBack" as const }),
          writeOnly,
        )
        .handle("stats", () => Effect.zipWith(store.stats, store.prepared, (s, preparedTransactions) => ({ ...s, preparedTransactions })))
        .handle("health", () => Effect.succeed({ status: "ok" as const, strategy: store.strategy }))
    }),
  )
