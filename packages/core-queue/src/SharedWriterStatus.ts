/**
 * A shared writer's final status: a small code stored in its state word together with
 * STATE_COMPLETED (one atomic event, so a waiter never sees COMPLETED with a stale status).
 * Four bits: 0-3 belong to the queue, 4-15 to the engine (its WAL or memtable errors,
 * whose details it keeps elsewhere).
 */
export const SHARED_STATUS_OK = 0
/** The stall barrier turned a `noSlowdown` writer away (RocksDB's `Status::Incomplete("Write stall")`). */
export const SHARED_STATUS_WRITE_STALL = 1
/**
 * The queue was poisoned: a thread died while it held a role others wait on (group
 * leader, parallel memtable writer), or the owner poisoned it. The write may or may not
 * have reached the WAL, as after a crash; the queue accepts no more writes.
 */
export const SHARED_STATUS_POISONED = 2
/** Set by the reclaimer on a dead thread's queued writer; nobody waits for it. */
export const SHARED_STATUS_WRITER_DIED = 3
/** The first code an engine may use for its own failures (up to 15). */
export const SHARED_STATUS_FIRST_ENGINE_CODE = 4
export const SHARED_STATUS_MAX = 15

/** Why `poisonReason` is set. */
export const POISON_THREAD_DIED_IN_ROLE = 1
export const POISON_BY_OWNER = 2
