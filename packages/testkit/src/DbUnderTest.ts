/**
 * The shape of the engine's Promise API as the conformance suites see it. Declared
 * structurally here so testkit does not depend on @writepath/db (db's tests depend
 * on testkit).
 */
export type Bytes = Uint8Array | string

export interface WriteOptionsUnderTest {
  readonly sync?: boolean
  readonly disableWAL?: boolean
  readonly noSlowdown?: boolean
  readonly lowPri?: boolean
}

export interface SnapshotUnderTest {
  readonly sequence: number
  release(): void
}

export interface BatchUnderTest {
  put(key: Bytes, value: Bytes): BatchUnderTest
  delete(key: Bytes): BatchUnderTest
  deleteRange(start: Bytes, end: Bytes): BatchUnderTest
}

export interface IteratorOptionsUnderTest {
  readonly gt?: Bytes
  readonly gte?: Bytes
  readonly lt?: Bytes
  readonly lte?: Bytes
  readonly reverse?: boolean
  readonly snapshot?: SnapshotUnderTest
}

export interface TransactionUnderTest {
  readonly name: string
  put(key: Bytes, value: Bytes): void
  delete(key: Bytes): void
  prepare(): Promise<void>
  commit(): Promise<void>
  rollback(): Promise<void>
}

export interface DbStatsUnderTest {
  readonly groups: number
  readonly meanGroupSize: number
  readonly walBytes: number
  readonly walSyncs: number
  readonly stalls: number
  readonly lastSequence: number
}

export interface DbUnderTest {
  put(key: Bytes, value: Bytes, wo?: WriteOptionsUnderTest): Promise<void>
  delete(key: Bytes, wo?: WriteOptionsUnderTest): Promise<void>
  deleteRange(start: Bytes, end: Bytes, wo?: WriteOptionsUnderTest): Promise<void>
  batch(): BatchUnderTest
  write(batch: BatchUnderTest, wo?: WriteOptionsUnderTest): Promise<void>
  get(key: Bytes, options?: { readonly snapshot?: SnapshotUnderTest }): Promise<Uint8Array | undefined>
  iterator(options?: IteratorOptionsUnderTest): AsyncIterable<[Uint8Array, Uint8Array]>
  snapshot(): SnapshotUnderTest
  beginTransaction(options: { readonly name: string }): TransactionUnderTest
  getPreparedTransactions(): ReadonlyArray<TransactionUnderTest>
  flushWal(options?: { readonly sync?: boolean }): Promise<void>
  stats(): DbStatsUnderTest
  close(): Promise<void>
}

/** Opens a database at `path` with the strategy under test and extra engine options. */
export type OpenDbUnderTest = (options: { readonly path: string } & Record<string, unknown>) => Promise<DbUnderTest>
