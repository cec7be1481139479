export { Block, BlockIterator } from "./Block.ts"
export { BlockBuilder } from "./BlockBuilder.ts"
export * as BloomFilter from "./BloomFilter.ts"
export { FilterBlockBuilder, FilterBlockReader, kFilterBaseLg } from "./FilterBlock.ts"
export { type RangeTombstone, Table, type TableGetResult, type TableOptions } from "./Table.ts"
export { TableBuilder, type TableBuilderOptions, type TableProperties } from "./TableBuilder.ts"
export * from "./TableError.ts"
export {
  type BlockHandle,
  type Compression,
  decodeBlockHandle,
  decodeFooter,
  encodeBlockHandle,
  encodeFooter,
  type Footer,
  kBlockTrailerSize,
  kDefaultBlockSize,
  kDefaultCompression,
  kDefaultRestartInterval,
  kFilterMetaKey,
  kFooterSize,
  kNoCompression,
  kRangeDelMetaKey,
  kSnappyCompression,
  kTableMagicNumber,
  kZstdCompression,
} from "./TableFormat.ts"
export { type TableEntry, TableIterator } from "./TableIterator.ts"
