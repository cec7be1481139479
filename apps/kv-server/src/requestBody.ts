/**
 * Reading and checking request input the handlers share: keys from the path, the raw body,
 * and JSON batch bodies decoded against their Schema. Every failure is a BadRequest whose
 * message names the field.
 */
import type { HttpServerRequest } from "@effect/platform"
import { Effect, Either, ParseResult, Schema } from "effect"
import { BatchBody, type BatchOpInput } from "./KvApi.ts"
import { BadRequest } from "./KvError.ts"
import type { BatchOp } from "./KvStore.ts"

const utf8 = new TextEncoder()

/** A key's bytes: non-empty, at most `maxKeyBytes` (WRITEPATH_MAX_KEY_BYTES). */
export const keyBytes = (key: string, maxKeyBytes: number, what = "key"): Either.Either<Uint8Array, BadRequest> => {
  if (key.length === 0) return Either.left(new BadRequest({ message: `${what} is empty` }))
  const bytes = utf8.encode(key)
  if (bytes.length > maxKeyBytes) {
    return Either.left(
      new BadRequest({ message: `${what} is ${bytes.length} bytes, over the limit of ${maxKeyBytes} (WRITEPATH_MAX_KEY_BYTES)` }),
    )
  }
  return Either.right(bytes)
}

/** The whole body as bytes (its size was checked against the limit before it was read). */
export const rawBody = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<Uint8Array, BadRequest> =>
  Effect.mapBoth(request.arrayBuffer, {
    onFailure: (e) => new BadRequest({ message: `could not read the request body: ${e.message}` }),
    onSuccess: (b) => new Uint8Array(b),
  })

const decodeBatch = Schema.decodeUnknownEither(BatchBody)
const decodeBase64 = Schema.decodeUnknownEither(Schema.Uint8ArrayFromBase64)

const opOf = (op: BatchOpInput, i: number, maxKeyBytes: number): Either.Either<BatchOp, BadRequest> =>
  Either.flatMap(keyBytes(op.key, maxKeyBytes, `ops[${i}].key`), (key): Either.Either<BatchOp, BadRequest> => {
    if (op.type === "delete") return Either.right({ type: "delete", key })
    if (op.encoding !== "base64") return Either.right({ type: "put", key, value: utf8.encode(op.value) })
    return Either.mapBoth(decodeBase64(op.value), {
      onLeft: () => new BadRequest({ message: `ops[${i}].value is not valid base64` }),
      onRight: (value) => ({ type: "put" as const, key, value }),
    })
  })

/** A JSON body `{ "ops": [...] }` decoded into engine operations. */
export const batchBody = (request: HttpServerRequest.HttpServerRequest, maxKeyBytes: number): Effect.Effect<BatchOp[], BadRequest> =>
  Effect.flatMap(rawBody(request), (bytes) => {
    let json: unknown
    try {
      json = JSON.parse(new TextDecoder().decode(bytes))
    } catch (e) {
      return Effect.fail(new BadRequest({ message: `the body is not JSON: ${(e as Error).message}` }))
    }
    const decoded = decodeBatch(json)
    if (Either.isLeft(decoded)) {
      return Effect.fail(new BadRequest({ message: `malformed batch: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}` }))
    }
    return Effect.all(decoded.right.ops.map((op, i) => opOf(op, i, maxKeyBytes)))
  })
