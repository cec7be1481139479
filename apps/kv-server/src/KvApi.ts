/**
 * The HTTP API, declared once with `@effect/platform`'s HttpApi: paths, query parameters,
 * bodies, responses and errors are Schemas, validated on the way in and documented in the
 * OpenAPI document (`/openapi.json`, browsable at `/docs`).
 *
 * Keys are the UTF-8 bytes of the path segment (percent-decoded): opaque bytes, never a
 * file path. Values are the raw request body (any bytes, any content type).
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import {
  BadRequest,
  EngineUnavailable,
  KeyNotFound,
  LengthRequired,
  PayloadTooLarge,
  TransactionConflict,
  TransactionNotFound,
  Unauthorized,
} from "./KvError.ts"
import { StatsSchema } from "./StatsSchema.ts"

const KeyPath = Schema.Struct({ key: Schema.String })
const TxnPath = Schema.Struct({ name: Schema.String })

const BoolParam = Schema.Literal("true", "false").annotations({ description: '"true" or "false"' })

/** `?sync=false` opts a write out of durability; the default waits for the WAL's fdatasync. */
export const WriteParams = Schema.Struct({ sync: Schema.optional(BoolParam) })

export const ScanParams = Schema.Struct({
  gte: Schema.optional(Schema.String).annotations({ description: "first key (inclusive)" }),
  lt: Schema.optional(Schema.String).annotations({ description: "end key (exclusive)" }),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.positive())),
  reverse: Schema.optional(BoolParam),
})

/** One operation of a batch or transaction; `value` is UTF-8 text, or base64 with `encoding: "base64"`. */
export const BatchOpSchema = Schema.Union(
  Schema.Struct({
    type: Schema.Literal("put"),
    key: Schema.String,
    value: Schema.String,
    encoding: Schema.optional(Schema.Literal("utf8", "base64")),
  }),
  Schema.Struct({ type: Schema.Literal("delete"), key: Schema.String }),
)
export type BatchOpInput = typeof BatchOpSchema.Type

export const BatchBody = Schema.Struct({
  ops: Schema.Array(BatchOpSchema).pipe(Schema.minItems(1)),
})

const BatchResult = Schema.Struct({ ops: Schema.Number, sync: Schema.Boolean })
const TxnResult = Schema.Struct({ name: Schema.String, state: Schema.Literal("prepared", "committed", "rolledBack") })
const Health = Schema.Struct({ status: Schema.Literal("ok"), strategy: Schema.String })

export class KvGroup extends HttpApiGroup.make("kv")
  .add(
    HttpApiEndpoint.get("get", "/kv/:key")
      .setPath(KeyPath)
      .addSuccess(HttpApiSchema.Uint8Array())
      .addError(KeyNotFound)
      .annotate(OpenApi.Description, "The value of a key, as raw bytes (application/octet-stream)."),
  )
  .add(
    HttpApiEndpoint.put("put", "/kv/:key")
      .setPath(KeyPath)
      .setUrlParams(WriteParams)
      .setPayload(HttpApiSchema.Uint8Array())
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(OpenApi.Description, "Stores the request body as the key's value; 204 once acknowledged (durable unless ?sync=false)."),
  )
  .add(
    HttpApiEndpoint.del("delete", "/kv/:key")
      .setPath(KeyPath)
      .setUrlParams(WriteParams)
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(OpenApi.Description, "Deletes a key (a no-op for an absent key); 204 once acknowledged."),
  )
  .add(
    HttpApiEndpoint.get("scan", "/kv")
      .setUrlParams(ScanParams)
      .addSuccess(HttpApiSchema.Text({ contentType: "application/x-ndjson" }))
      .annotate(
        OpenApi.Description,
        'Keys in [gte, lt), streamed as NDJSON lines {"key": <UTF-8>, "value": <base64>}, in key order or reverse.',
      ),
  )
  .add(
    HttpApiEndpoint.post("batch", "/batch")
      .setUrlParams(WriteParams)
      .setPayload(BatchBody)
      .addSuccess(BatchResult)
      .annotate(OpenApi.Description, "Applies every put and delete atomically (one WriteBatch)."),
  )
  .add(
    HttpApiEndpoint.post("prepare", "/txn/:name/prepare")
      .setPath(TxnPath)
      .setUrlParams(WriteParams)
      .setPayload(BatchBody)
      .addSuccess(TxnResult)
      .addError(TransactionConflict)
      .annotate(OpenApi.Description, "Begins transaction `name` with these operations and prepares it (two-phase commit, WAL only)."),
  )
  .add(
    HttpApiEndpoint.post("commit", "/txn/:name/commit")
      .setPath(TxnPath)
      .addSuccess(TxnResult)
      .addError(TransactionNotFound)
      .addError(TransactionConflict),
  )
  .add(
    HttpApiEndpoint.post("rollback", "/txn/:name/rollback")
      .setPath(TxnPath)
      .addSuccess(TxnResult)
      .addError(TransactionNotFound)
      .addError(TransactionConflict),
  )
  .add(HttpApiEndpoint.get("stats", "/stats").addSuccess(StatsSchema))
  .add(HttpApiEndpoint.get("health", "/health").addSuccess(Health))
  // Errors any endpoint can answer with: bad input, auth, body limits, engine state.
  .addError(BadRequest)
  .addError(Unauthorized)
  .addError(LengthRequired)
  .addError(PayloadTooLarge)
  .addError(EngineUnavailable) {}

export class KvApi extends HttpApi.make("writepath-kv")
  .add(KvGroup)
  .annotate(OpenApi.Title, "writepath kv-server")
  .annotate(OpenApi.Description, "A key-value service on the writepath engine; the write strategy is chosen by configuration.") {}
