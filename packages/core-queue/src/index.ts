export { type CoreQueueError, WriteStall, writeStall } from "./CoreQueueError.ts"
export { DELAY_INTERVAL_MILLIS, type DelayWriteOptions, delayWrite } from "./DelayWrite.ts"
export { QueueInvariantViolation } from "./internal/assert.ts"
export { clockMicros } from "./internal/clock.ts"
export { DEFAULT_MAX_WRITE_BATCH_GROUP_SIZE_BYTES, MAX_SEQUENCE, MIN_PARALLEL_SIZE } from "./internal/constants.ts"
export { Sequencer, SequencerImpl } from "./Sequencer.ts"
export * from "./SharedWriterStatus.ts"
export {
  type AttachOptions,
  type ReclaimReport,
  type SharedGroupView,
  type SharedWait,
  type SharedWriterOptions,
  SharedWriteThread,
  type SharedWriteThreadBuffer,
  type SharedWriteThreadOptions,
  type WaitMode,
} from "./SharedWriteThread.ts"
export * from "./SharedWriteThreadError.ts"
export {
  DEFAULT_DELAYED_WRITE_RATE,
  DEFAULT_LOW_PRI_WRITE_RATE,
  WriteController,
  WriteControllerImpl,
  type WriteControllerToken,
} from "./WriteController.ts"
export { WriteGroup } from "./WriteGroup.ts"
export { type UserWriteCallback, type WriteCallback, Writer, type WriterOptions, type WriteStatus } from "./Writer.ts"
export * from "./WriterState.ts"
export { type Wait, WriteThread, WriteThreadImpl, type WriteThreadOptions } from "./WriteThread.ts"
export { Histogram, type HistogramSnapshot, WriteThreadStats, type WriteThreadStatsSnapshot } from "./WriteThreadStats.ts"
