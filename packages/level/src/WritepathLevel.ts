/**
 * WritepathLevel: an abstract-level 3 database (the API of classic-level, memory-level and
 * the rest of the level ecosystem) over a writepath `Database`, so code written for
 * classic-level runs on writepath by changing one import, and picks a write strategy:
 *
 *   new WritepathLevel("./db", { strategy: "two-queue", valueEncoding: "json", writeBufferSize: 4 << 20 })
 *
 * Options are abstract-level's (`keyEncoding`, `valueEncoding`, `passive`,
 * `createIfMissing`, `errorIfExists`) plus any engine option of `@writepath/strategies`
 * (`strategy`, `compression`, `writeBufferSize`, ...) except `path`, which is the location.
 *
 * What maps where: get/getMany/has/hasMany -> `get` at one snapshot; put/del/batch (array and
 * chained) -> one WriteBatch with the `sync` write option; clear -> one `deleteRange` when it
 * has no limit (else batches of point deletes); iterators -> engine iterators at a snapshot,
 * `seek` by restarting at the target; explicit snapshots -> engine snapshots. Sublevels,
 * encodings, hooks, events and deferred open come from abstract-level itself. Not offered
 * (`supports`): `getSync` (the engine's reads are promises).
 *
 * Owns: the engine (opened by `_open`, closed by `_close`). abstract-level serialises open
 * and close and closes iterators and snapshots before `_close`.
 */
import { type Database, open, type Snapshot } from "@writepath/db"
import { EngineOptionsSchema } from "@writepath/strategies"
import { AbstractLevel } from "abstract-level"
import { LevelIterator, type LevelRange } from "./internal/LevelIterator.ts"
import { LevelSnapshot } from "./internal/LevelSnapshot.ts"

/**
 * The engine options a WritepathLevel takes (all but `path`, which is the location). The
 * constructor keeps them to itself; `createIfMissing` and `errorIfExists` are abstract-level's
 * too, so they travel through abstract-level's open options instead.
 */
const ENGINE_KEYS: ReadonlySet<string> = new Set(
  Object.keys(EngineOptionsSchema.shape).filter((k) => k !== "path" && k !== "createIfMissing" && k !== "errorIfExists"),
)

/** Splits constructor or open options into the engine's and abstract-level's. */
const splitOptions = (options: Record<string, unknown>): [Record<string, unknown>, Record<string, unknown>] => {
  const engine: Record<string, unknown> = {}
  const level: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(options)) {
    if (ENGINE_KEYS.has(k)) engine[k] = v
    else level[k] = v
  }
  return [engine, level]
}

/** Keys deleted per write when `clear` has a limit (the walk and the deletes alternate). */
const CLEAR_BATCH = 1000

const EMPTY = new Uint8Array(0)

/** `k ++ 0x00`: the smallest key greater than `k`. */
const successor = (k: Uint8Array): Uint8Array => {
  const out = new Uint8Array(k.length + 1)
  out.set(k)
  return out
}

const compare = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

interface ReadOptions {
  readonly snapshot?: LevelSnapshot
}

interface WriteOptions {
  readonly sync?: boolean
}

interface ClearOptions extends ReadOptions {
  readonly gt?: Uint8Array
  readonly gte?: Uint8Array
  readonly lt?: Uint8Array
  readonly lte?: Uint8Array
  readonly reverse?: boolean
  readonly limit: number
}

interface IteratorOptions extends ClearOptions {}

type BatchOperation =
  | { readonly type: "put"; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: "del"; readonly key: Uint8Array }

export type WritepathLevelOptions = Record<string, unknown>

export class WritepathLevel extends AbstractLevel<Uint8Array, string, string> {
  readonly location: string
  private readonly engineOptions: Record<string, unknown>
  private engine: Database | undefined

  constructor(location: string, options: WritepathLevelOptions = {}) {
    if (typeof location !== "string" || location === "") throw new TypeError("The first argument 'location' must be a non-empty string")
    const [engineOptions, levelOptions] = splitOptions(options ?? {})
    super(
      {
        encodings: { view: true },
        has: true,
        createIfMissing: true,
        errorIfExists: true,
        explicitSnapshots: true,
        implicitSnapshots: true,
        seek: true,
        permanence: true,
      },
      levelOptions,
    )
    this.location = location
    this.engineOptions = engineOptions
  }

  /** The open engine (for its own API: `stats`, `flush`, `compactRange`, transactions). */
  get database(): Database {
    if (this.engine === undefined) throw new Error("WritepathLevel: the database is not open")
    return this.engine
  }

  async _open(options: Record<string, unknown>): Promise<void> {
    const [fromOpen] = splitOptions(options)
    this.engine = await open({
      ...this.engineOptions,
      ...fromOpen,
      path: this.location,
      createIfMissing: options.createIfMissing as boolean | undefined,
      errorIfExists: options.errorIfExists as boolean | undefined,
    })
  }

  async _close(): Promise<void> {
    const e = this.engine
    this.engine = undefined
    await e?.close()
  }

  async _get(key: Uint8Array, options: ReadOptions): Promise<Uint8Array | undefined> {
    const snapshot = options.snapshot?.inner
    return this.database.get(key, snapshot === undefined ? undefined : { snapshot })
  }

  async _getMany(keys: ReadonlyArray<Uint8Array>, options: ReadOptions): Promise<Array<Uint8Array | undefined>> {
    return this.atSnapshot(options, async (snapshot) => {
      const out: Array<Uint8Array | undefined> = []
      for (const k of keys) out.push(await this.database.get(k, { snapshot }))
      return out
    })
  }

  async _has(key: Uint8Array, options: ReadOptions): Promise<boolean> {
    return (await this._get(key, options)) !== undefined
  }

  async _hasMany(keys: ReadonlyArray<Uint8Array>, options: ReadOptions): Promise<boolean[]> {
    return (await this._getMany(keys, options)).map((v) => v !== undefined)
  }

  async _put(key: Uint8Array, value: Uint8Array, options: WriteOptions): Promise<void> {
    await this.database.put(key, value, { sync: options.sync === true })
  }

  async _del(key: Uint8Array, options: WriteOptions): Promise<void> {
    await this.database.delete(key, { sync: options.sync === true })
  }

  async _batch(operations: ReadonlyArray<BatchOperation>, options: WriteOptions): Promise<void> {
    const db = this.database
    const b = db.batch()
    for (const op of operations) {
      if (op.type === "put") b.put(op.key, op.value)
      else b.delete(op.key)
    }
    await db.write(b, { sync: options.sync === true })
  }

  /**
   * Without a limit, one range deletion (atomic): [lower, upper) from the bounds, the upper
   * end found at the snapshot when open-ended. With a limit, the keys the limited walk
   * yields, in point deletes of up to CLEAR_BATCH keys.
   */
  async _clear(options: ClearOptions): Promise<void> {
    await this.atSnapshot(options, async (snapshot) => {
      const db = this.database
      const unlimited = options.limit === -1 || options.limit === Number.POSITIVE_INFINITY
      const range = rangeOf(options)
      if (unlimited && options.snapshot === undefined) {
        const lower = range.gte ?? (range.gt === undefined ? EMPTY : successor(range.gt))
        let upper = range.lt ?? (range.lte === undefined ? undefined : successor(range.lte))
        if (upper === undefined) {
          const last = await this.firstKey({ ...range, reverse: true }, snapshot)
          if (last === undefined) return
          upper = successor(last)
        }
        if (compare(lower, upper) < 0) await db.deleteRange(lower, upper)
        return
      }
      let left = unlimited ? Number.POSITIVE_INFINITY : options.limit
      let batch = db.batch()
      let n = 0
      for await (const [k] of db.iterator({ ...range, snapshot })) {
        if (left-- <= 0) break
        batch.delete(k)
        if (++n === CLEAR_BATCH) {
          await db.write(batch)
          batch = db.batch()
          n = 0
        }
      }
      if (n > 0) await db.write(batch)
    })
  }

  _iterator(options: IteratorOptions): LevelIterator {
    return new LevelIterator(this, this.database, rangeOf(options), options.snapshot, options)
  }

  _snapshot(options: unknown): LevelSnapshot {
    return new LevelSnapshot(this.database.snapshot(), options)
  }

  /** Runs `f` at the caller's snapshot, or at one taken (and released) here. */
  private async atSnapshot<A>(options: ReadOptions, f: (s: Snapshot) => Promise<A>): Promise<A> {
    if (options.snapshot !== undefined) return f(options.snapshot.inner)
    const s = this.database.snapshot()
    try {
      return await f(s)
    } finally {
      s.release()
    }
  }

  private async firstKey(range: LevelRange, snapshot: Snapshot): Promise<Uint8Array | undefined> {
    for await (const [k] of this.database.iterator({ ...range, snapshot })) return k
    return undefined
  }
}

/** The caller's bounds; as abstract-level specifies, `gte` overrides `gt` and `lte` overrides `lt`. */
const rangeOf = (o: ClearOptions): LevelRange => {
  const r: { -readonly [K in keyof LevelRange]: LevelRange[K] } = { reverse: o.reverse === true }
  if (o.gte !== undefined) r.gte = o.gte
  else if (o.gt !== undefined) r.gt = o.gt
  if (o.lte !== undefined) r.lte = o.lte
  else if (o.lt !== undefined) r.lt = o.lt
  return r
}
