/**
 * The batch users fill and pass to `db.write`: applied all at once or not at all.
 *
 * A public face over RocksDB's WriteBatch (LevelDB's split of `include/leveldb/write_batch.h`
 * and `db/write_batch_internal.h`): only the operations a user means to write (put, delete,
 * deleteRange, clear) and what they may read back (count, byteSize). The representation's
 * sequence number, column families and 2PC markers stay with the engine, so a batch cannot
 * carry a record the engine would acknowledge and then drop.
 *
 * Owns: its WriteBatch. Invariant: every record in it is a default-column-family Put,
 * Delete or DeleteRange whose arguments passed the same checks as `db.put`/`db.delete`/
 * `db.deleteRange`. Not thread-safe; nothing here yields.
 *
 * @example
 * ```ts
 * await db.write(db.batch().put("a", "1").delete("b").deleteRange("c", "d"))
 * ```
 */
import { type Bytes, WriteBatch } from "@writepath/batch"
import { checkBytes, checkRangeOrder } from "./internal/PublicArgs.ts"

export class Batch {
  /** @internal The engine's representation; `db.write` hands it to the write path. */
  readonly rep: WriteBatch = new WriteBatch()

  /** Sets `key` to `value`. Throws InvalidArgument for a key or value of another type, or too large. */
  put(key: Bytes, value: Bytes): this {
    checkBytes("batch.put", "key", key)
    checkBytes("batch.put", "value", value)
    this.rep.put(key, value)
    return this
  }

  /** Deletes `key` (a no-op where it is absent). */
  delete(key: Bytes): this {
    checkBytes("batch.delete", "key", key)
    this.rep.delete(key)
    return this
  }

  /** Deletes every key in [start, end). InvalidArgument when end sorts before start. */
  deleteRange(start: Bytes, end: Bytes): this {
    checkRangeOrder("batch.deleteRange", start, end)
    this.rep.deleteRange(start, end)
    return this
  }

  /** Empties the batch, to fill it again. */
  clear(): this {
    this.rep.clear()
    return this
  }

  /** Operations in the batch (each put, delete and deleteRange counts one). */
  get count(): number {
    return this.rep.count
  }

  /** Bytes the batch takes in the WAL (RocksDB's `GetDataSize`, header included). */
  get byteSize(): number {
    return this.rep.byteSize
  }
}
