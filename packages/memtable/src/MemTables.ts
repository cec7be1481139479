/**
 * MemTables: the service through which the DB and the write strategies reach the
 * memtables (a `MemTableList`). Effect is for composition only: the hot path calls
 * the MemTable methods directly, synchronously.
 */
import { Context, Effect, Layer } from "effect"
import { MemTable, type MemTableOptions } from "./MemTable.ts"
import type { InvalidEntry } from "./MemTableError.ts"
import { MemTableList } from "./MemTableList.ts"

export class MemTables extends Context.Tag("@writepath/memtable/MemTables")<MemTables, MemTableList>() {
  /** A list holding one new, empty mutable memtable. Fails with InvalidEntry for a bad option. */
  static make(options: MemTableOptions = {}): Effect.Effect<MemTableList, InvalidEntry> {
    return Effect.try({
      try: () => new MemTableList(MemTable.make(options)),
      catch: (e) => e as InvalidEntry,
    })
  }

  static layer(options: MemTableOptions = {}): Layer.Layer<MemTables, InvalidEntry> {
    return Layer.effect(MemTables, MemTables.make(options))
  }
}
