/**
 * The service's errors, one tagged class each, with the HTTP status it answers with. Every
 * error body is JSON: `{ "_tag": <name>, "message": <what was wrong>, ... }`.
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/** 400: a bad key, value, batch, query parameter or transaction body; the message names it. */
export class BadRequest extends Schema.TaggedError<BadRequest>()(
  "BadRequest",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400 }),
) {}

/** 401: WRITEPATH_TOKEN is set and the request's bearer token is missing or wrong. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 401 }),
) {}

/** 404: GET of a key that holds no value. */
export class KeyNotFound extends Schema.TaggedError<KeyNotFound>()(
  "KeyNotFound",
  { key: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 404 }),
) {}

/** 404: commit or rollback of a transaction that is not prepared. */
export class TransactionNotFound extends Schema.TaggedError<TransactionNotFound>()(
  "TransactionNotFound",
  { name: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 404 }),
) {}

/** 409: prepare of a name already prepared, or an operation on a transaction while another is in flight. */
export class TransactionConflict extends Schema.TaggedError<TransactionConflict>()(
  "TransactionConflict",
  { name: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 409 }),
) {}

/** 411: a request body without Content-Length (its size must be known before it is read). */
export class LengthRequired extends Schema.TaggedError<LengthRequired>()(
  "LengthRequired",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 411 }),
) {}

/** 413: a request body over WRITEPATH_MAX_BODY_BYTES. */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  { limit: Schema.Number, message: Schema.String },
  HttpApiSchema.annotations({ status: 413 }),
) {}

/**
 * 503: the engine cannot take the write now: read-only after a failed WAL write or sync
 * (`ReadOnlyError`, `IOError`), a write stall (`WriteStall`), or closed for shutdown
 * (`DbClosed`). `engineError` is the engine's tag, `message` its message.
 */
export class EngineUnavailable extends Schema.TaggedError<EngineUnavailable>()(
  "EngineUnavailable",
  { engineError: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 503 }),
) {}
