/**
 * RocksDB's kMaxSequenceNumber is 2^56 - 1; we hold sequences in JS numbers, so the
 * ceiling is 2^53 - 1 (the same limit @writepath/batch enforces on the batch header).
 */
export const MAX_SEQUENCE = Number.MAX_SAFE_INTEGER

/** `max_write_batch_group_size_bytes` default: 1 MiB. */
export const DEFAULT_MAX_WRITE_BATCH_GROUP_SIZE_BYTES = 1 << 20

/** Below this group size the leader wakes every parallel writer itself (`MinParallelSize`). */
export const MIN_PARALLEL_SIZE = 20
