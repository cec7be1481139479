/**
 * Fakes for the cross-thread WriteThread, all in shared memory so every thread writes
 * them and the test reads them afterwards (Pebble's commitEnv idea: the protocol without
 * a database).
 *
 *   wal      the leader appends one record per group: header (first sequence, record
 *            count, member count, group bytes, leader slot), then per member (writer
 *            key, record count, batch length, first sequence). Only the queue owner appends, so
 *            the tail word needs no CAS; it is Atomics-stored so readers on other threads
 *            see whole records.
 *   mem      one Int32 per sequence: the writer key inserted at it (Atomics.add, so a
 *            double insert shows as a sum).
 *   pub      every publication (first, last), appended by the publisher.
 *   acks     per writer key: acknowledgements counted, and the status and sequence seen.
 *
 * A test batch is [writer key: u32 LE][padding up to its length]: the key identifies the
 * write wherever its bytes are read (the leader reads it from the member's batch region).
 */

export const WAL_HEADER = 5
export const WAL_MEMBER = 4
const ACK_WORDS = 4

export interface SharedFakes {
  readonly wal: SharedArrayBuffer
  readonly mem: SharedArrayBuffer
  readonly pub: SharedArrayBuffer
  readonly acks: SharedArrayBuffer
}

/** Room for `writes` writes with keys 1..writes. */
export const makeFakes = (writes: number): SharedFakes => ({
  wal: new SharedArrayBuffer(4 * (1 + writes * (WAL_HEADER + WAL_MEMBER))),
  mem: new SharedArrayBuffer(4 * (writes * 4 + 2)),
  pub: new SharedArrayBuffer(4 * (1 + writes * 2)),
  acks: new SharedArrayBuffer(4 * ACK_WORDS * (writes + 1)),
})

export const batchFor = (key: number, length: number): Uint8Array => {
  const b = new Uint8Array(Math.max(4, length))
  new DataView(b.buffer).setUint32(0, key, true)
  return b
}

export const keyOf = (batch: Uint8Array): number => batch[0]! | (batch[1]! << 8) | (batch[2]! << 16) | (batch[3]! << 24)

export class FakeViews {
  readonly wal: Int32Array
  readonly mem: Int32Array
  readonly pub: Int32Array
  readonly acks: Int32Array
  constructor(f: SharedFakes) {
    this.wal = new Int32Array(f.wal)
    this.mem = new Int32Array(f.mem)
    this.pub = new Int32Array(f.pub)
    this.acks = new Int32Array(f.acks)
  }

  /** Append a group record; `members` are (key, record count, length, sequence). */
  appendWal(
    first: number,
    count: number,
    bytes: number,
    leaderSlot: number,
    members: ReadonlyArray<readonly [number, number, number, number]>,
  ): void {
    const at = Atomics.load(this.wal, 0) + 1
    const w = this.wal
    Atomics.store(w, at, first)
    Atomics.store(w, at + 1, count)
    Atomics.store(w, at + 2, members.length)
    Atomics.store(w, at + 3, bytes)
    Atomics.store(w, at + 4, leaderSlot)
    let i = at + WAL_HEADER
    for (const m of members) {
      for (let j = 0; j < WAL_MEMBER; j++) Atomics.store(w, i + j, m[j]!)
      i += WAL_MEMBER
    }
    Atomics.store(w, 0, i - 1)
  }

  insert(sequence: number, key: number): void {
    Atomics.add(this.mem, sequence, key)
  }

  publish(first: number, last: number): void {
    const at = Atomics.add(this.pub, 0, 2) + 1
    Atomics.store(this.pub, at, first)
    Atomics.store(this.pub, at + 1, last)
  }

  ack(key: number, status: number, sequence: number): void {
    Atomics.add(this.acks, key * ACK_WORDS, 1)
    Atomics.store(this.acks, key * ACK_WORDS + 1, status)
    Atomics.store(this.acks, key * ACK_WORDS + 2, sequence)
  }

  ackOf(key: number): { readonly count: number; readonly status: number; readonly sequence: number } {
    const a = this.acks
    return {
      count: Atomics.load(a, key * ACK_WORDS),
      status: Atomics.load(a, key * ACK_WORDS + 1),
      sequence: Atomics.load(a, key * ACK_WORDS + 2),
    }
  }

  /** The WAL's group records, in append order. */
  walRecords(): Array<{
    first: number
    count: number
    bytes: number
    leaderSlot: number
    members: Array<{ key: number; count: number; length: number; sequence: number }>
  }> {
    const out = []
    const w = this.wal
    const end = Atomics.load(w, 0)
    for (let i = 1; i <= end; ) {
      const n = w[i + 2]!
      const members = []
      for (let m = 0; m < n; m++) {
        const j = i + WAL_HEADER + m * WAL_MEMBER
        members.push({ key: w[j]!, count: w[j + 1]!, length: w[j + 2]!, sequence: w[j + 3]! })
      }
      out.push({ first: w[i]!, count: w[i + 1]!, bytes: w[i + 3]!, leaderSlot: w[i + 4]!, members })
      i += WAL_HEADER + n * WAL_MEMBER
    }
    return out
  }

  publications(): Array<readonly [number, number]> {
    const out: Array<readonly [number, number]> = []
    const end = Atomics.load(this.pub, 0)
    for (let i = 1; i < end; i += 2) out.push([this.pub[i]!, this.pub[i + 1]!])
    return out
  }
}
