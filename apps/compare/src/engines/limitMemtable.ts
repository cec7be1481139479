/**
 * `limit-memtable`: the ceiling for no-sync writes: the @writepath/memtable insert loop
 * alone (one `add` per write, no WAL, no queue), driven by the same closed-loop writers as
 * every engine so that harness costs cancel out in the ratios. Skipped until the package
 * exports `MemTable` with `make` and `add`.
 */
import type { Engine, EngineHandle } from "../Engine.ts"
import { importOptional } from "./importOptional.ts"

/** The part of @writepath/memtable this limit uses (checked at run time). */
interface MemTableLike {
  add(sequence: number, type: number, key: Uint8Array, value: Uint8Array): void
  shouldFlushNow(): boolean
}
interface MemTableModule {
  MemTable?: { make?: (options: { writeBufferSize: number }) => MemTableLike }
}

const kTypeValue = 0x01
// RocksDB's default write_buffer_size; a full memtable is replaced as a flush would.
const writeBufferSize = 64 * 1024 * 1024

let make: ((options: { writeBufferSize: number }) => MemTableLike) | undefined

export const limitMemtable: Engine = {
  name: "limit-memtable",
  strategy: null,
  kind: "limit",
  supportsReads: false,
  supportsSync: false,
  async probe() {
    const m = await importOptional<MemTableModule>("@writepath/memtable")
    if (!m.ok) return m.reason
    const MemTable = m.module.MemTable
    if (typeof MemTable?.make !== "function") return "@writepath/memtable does not export MemTable.make yet"
    make = MemTable.make.bind(MemTable)
    return null
  },
  async open(): Promise<EngineHandle> {
    if (make === undefined) throw new Error("limit-memtable: probe() first")
    const fresh = make
    let table = fresh({ writeBufferSize })
    let sequence = 0
    return {
      put(key, value) {
        table.add(++sequence, kTypeValue, key, value)
        if (table.shouldFlushNow()) table = fresh({ writeBufferSize })
        return Promise.resolve()
      },
      close: async () => {},
    }
  },
}
