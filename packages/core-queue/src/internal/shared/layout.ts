/**
 * The SharedArrayBuffer layout of the cross-thread WriteThread (../../SharedWriteThread.ts
 * describes the protocol). Every hot word sits on its own 128-byte line: two threads
 * CAS-ing words on one line run 3-4x slower than on separate lines (false sharing).
 *
 *   bytes 0 .. 5119         header: 8 lines of 128 B (one word each, see H_*), then
 *                           the dead-thread bitmap (4 KiB)
 *   then slotCount + 1      writer slots, 128 B each; slot 0 is the stall dummy
 *   then slotCount + 1      batch regions of `batchCapacity` bytes, one per slot
 *
 * A slot is RocksDB's `Writer`; its words are S_*. The group a leader forms is stored in
 * the leader's own slot (G_*), so a follower on another thread that finishes a parallel
 * memtable insert last can exit the group on the leader's behalf.
 */

/** Int32 words per 128-byte line. */
export const LINE_WORDS = 32
export const LINE_BYTES = 128

// ---- header words (Int32 index; one line each) ------------------------------------------------

/** `newest_writer_`: slot index, or EMPTY / POISONED; STALL_DUMMY (slot 0) during a stall. */
export const H_NEWEST = 0
/** Stall episodes begun (only the queue owner writes it). */
export const H_STALL_BEGUN = 1 * LINE_WORDS
/** Stall episodes ended: the futex word writers wait on while the stall dummy is the head. */
export const H_STALL_ENDED = 2 * LINE_WORDS
/** Why the queue was poisoned (POISON_*), 0 while healthy. */
export const H_POISON = 3 * LINE_WORDS
/** The next thread token to hand out (tokens are never reused). */
export const H_NEXT_TOKEN = 4 * LINE_WORDS
/** Groups formed (statistics; written by the queue owner only). */
export const H_GROUPS = 4 * LINE_WORDS + 1
/** BigInt64 index of `LastAllocatedSequence` (byte 5 * 128). */
export const H64_LAST_ALLOCATED = (5 * LINE_BYTES) / 8
/** BigInt64 index of `LastPublishedSequence` (byte 6 * 128). */
export const H64_LAST_PUBLISHED = (6 * LINE_BYTES) / 8
/**
 * The dead-thread bitmap: bit t set once thread token t was declared dead. Set before the
 * reclaim scan; a thread checks its own bit where a late ("zombie") step would corrupt a
 * slot it no longer owns (see reclaim.ts). 1024 words = tokens 1..32767.
 */
export const H_DEAD_BITS = 8 * LINE_WORDS
export const DEAD_BITS_WORDS = 1024
export const HEADER_BYTES = 8 * LINE_BYTES + DEAD_BITS_WORDS * 4

// ---- slot words (offset inside a slot's line) -------------------------------------------------

/** The futex word: generation | status | state bits (packState). */
export const S_STATE = 0
/** The thread token that owns the slot; 0 = free; ORPHAN bit once that thread died. */
export const S_OWNER = 1
/** Admission flags and fields (F_*). */
export const S_FLAGS = 2
/** Slot index of the next older writer, NONE at the bottom. */
export const S_LINK_OLDER = 3
/** Slot index of the next newer writer, NONE until CreateMissingNewerLinks fills it. */
export const S_LINK_NEWER = 4
/** Batch bytes in this slot's batch region. */
export const S_BATCH_LEN = 5
/** Records in the batch (sequence numbers it consumes). */
export const S_BATCH_COUNT = 6
/** `write_group`: the leader slot of the group this writer is in, NONE while queued. */
export const S_GROUP = 7
/** First sequence of the batch: low 32 bits / high 21 bits. */
export const S_SEQ_LO = 8
export const S_SEQ_HI = 9
/** 1 from just before this writer's LinkOne CAS until release: it may be in the queue. */
export const S_LINKING = 10
/** Group fields, meaningful in a leader's slot. */
export const G_LAST = 11
export const G_SIZE = 12
/** First error code a parallel member reported (0 = OK). */
export const G_STATUS = 13
export const G_BYTES = 14
/** `running`: parallel members still inserting. Contended: its own half line. */
export const G_RUNNING = 16

export const NONE = -1
/** H_NEWEST value of an idle queue. */
export const EMPTY = -1
/** H_NEWEST value of a poisoned queue: nobody links again. */
export const POISONED = -3
/** Slot 0 is `write_stall_dummy_`. */
export const STALL_DUMMY = 0

// ---- admission flags (S_FLAGS) ----------------------------------------------------------------

export const F_SYNC = 1
export const F_NO_SLOWDOWN = 2
export const F_DISABLE_WAL = 4
/** The writer has a batch; unbatched writers (EnterUnbatched) and the stall dummy do not. */
export const F_HAS_BATCH = 8
/** A WriteCallback that refuses batching (`AllowWriteBatching() == false`). */
export const F_NO_BATCHING = 16
export const F_HAS_MERGE = 32
/** Bits 8..15: protection bytes per key; bits 16..19: rate-limiter priority. */
export const F_PROTECTION_SHIFT = 8
export const F_PRIORITY_SHIFT = 16

// ---- the state word ---------------------------------------------------------------------------

/**
 * state bits 0..6 (RocksDB's values, LOCKED_WAITING = 32 among them), status 7..10,
 * generation 11..30. The status rides in the same word as COMPLETED, so "completed with
 * status s" is one atomic event; the generation makes a completion aimed at a slot that
 * was freed and reused fail its CAS instead of completing a stranger's write.
 */
export const STATE_BITS = 0x7f
export const STATUS_SHIFT = 7
export const STATUS_MASK = 0xf << STATUS_SHIFT
export const GEN_SHIFT = 11
export const GEN_MASK = 0xfffff << GEN_SHIFT

export const packState = (gen: number, status: number, state: number): number => (gen << GEN_SHIFT) | (status << STATUS_SHIFT) | state
export const stateOf = (word: number): number => word & STATE_BITS
export const statusOf = (word: number): number => (word & STATUS_MASK) >>> STATUS_SHIFT
export const genOf = (word: number): number => (word & GEN_MASK) >>> GEN_SHIFT
export const nextGen = (gen: number): number => (gen + 1) & 0xfffff

// ---- owner word -------------------------------------------------------------------------------

export const OWNER_FREE = 0
/** Set on S_OWNER when the owning thread was declared dead. */
export const ORPHAN = 1 << 30
/** Slot 0 is owned by nobody, forever. */
export const OWNER_DUMMY = -1
export const MAX_TOKEN = DEAD_BITS_WORDS * 32 - 1

/** Int32 index and bit of token `t` in the dead-thread bitmap. */
export const deadWord = (token: number): number => H_DEAD_BITS + (token >>> 5)
export const deadBit = (token: number): number => 1 << (token & 31)

/** Byte length of a buffer for `slotCount` writer slots of `batchCapacity` bytes each. */
export const bufferBytes = (slotCount: number, batchCapacity: number): number =>
  HEADER_BYTES + (slotCount + 1) * LINE_BYTES + (slotCount + 1) * batchCapacity

/** Int32 index of word `word` of slot `slot`. */
export const slotWord = (slot: number, word: number): number => HEADER_BYTES / 4 + slot * LINE_WORDS + word
