/**
 * RocksDB through Level's `rocksdb` 5 binding (abstract-leveldown, callback API).
 * Durable write: `put(..., { sync: true })`, RocksDB's WriteOptions::sync. Not
 * `@nxtedition/rocksdb`, which ignores `sync` on put. Writes run on the libuv thread pool.
 */
import { Buffer } from "node:buffer"
import type { Engine, EngineHandle } from "../Engine.ts"
import { importOptional } from "./importOptional.ts"

type Callback<T = void> = (err: Error | null | undefined, value?: T) => void
interface LeveldownIterator {
  next(cb: (err: Error | null | undefined, key?: Buffer) => void): void
  end(cb: Callback): void
}
interface Leveldown {
  open(options: { createIfMissing: boolean }, cb: Callback): void
  put(key: Buffer, value: Buffer, options: { sync: boolean }, cb: Callback): void
  get(key: Buffer, options: { asBuffer: true }, cb: Callback<Buffer>): void
  iterator(options: { gte: Buffer; lt: Buffer; limit: number; values: false; keyAsBuffer: true }): LeveldownIterator
  close(cb: Callback): void
}
type RocksdbModule = { default: (location: string) => Leveldown }

let loaded: RocksdbModule | undefined

const call = <T = void>(f: (cb: Callback<T>) => void): Promise<T | undefined> =>
  new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))))

const isNotFound = (e: unknown): boolean => e instanceof Error && /notfound/i.test(e.message)

// The binding checks Buffer.isBuffer; wrap views without copying.
const buf = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength))

export const rocksdb: Engine = {
  name: "rocksdb",
  strategy: null,
  kind: "peer",
  async probe() {
    const m = await importOptional<RocksdbModule>("rocksdb")
    if (!m.ok) return m.reason
    loaded = m.module
    return null
  },
  async open(dir): Promise<EngineHandle> {
    if (loaded === undefined) throw new Error("rocksdb: probe() first")
    const db = loaded.default(dir)
    await call((cb) => db.open({ createIfMissing: true }, cb))
    return {
      put: async (key, value, { sync }) => {
        await call((cb) => db.put(buf(key), buf(value), { sync }, cb))
      },
      async get(key) {
        try {
          return await call<Buffer>((cb) => db.get(buf(key), { asBuffer: true }, cb))
        } catch (e) {
          if (isNotFound(e)) return undefined
          throw e
        }
      },
      async scan(gte, lt, limit) {
        const it = db.iterator({ gte: buf(gte), lt: buf(lt), limit, values: false, keyAsBuffer: true })
        let n = 0
        try {
          for (;;) {
            const key = await call<Buffer>((cb) => it.next(cb))
            if (key === undefined) break
            n++
          }
        } finally {
          await call((cb) => it.end(cb))
        }
        return n
      },
      close: async () => {
        await call((cb) => db.close(cb))
      },
    }
  },
}
