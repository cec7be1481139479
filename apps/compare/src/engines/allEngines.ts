/**
 * Every engine the app knows, in report order, and the names `--engines` accepts.
 * `writepath` stands for its four strategies (narrowed by `--strategies`), `rocksdb-cpp` for
 * its four db_bench modes.
 */
import type { Engine } from "../Engine.ts"
import { classicLevel } from "./classicLevel.ts"
import { limitDevice } from "./limitDevice.ts"
import { limitMemtable } from "./limitMemtable.ts"
import { limitSync } from "./limitSync.ts"
import { lmdb } from "./lmdb.ts"
import { rocksdb } from "./rocksdb.ts"
import { rocksdbCppEngines } from "./rocksdbCpp.ts"
import { sqlite } from "./sqlite.ts"
import { writepathEngines } from "./writepath.ts"
import { writepathLevel } from "./writepathLevel.ts"

export const allEngines: readonly Engine[] = [
  ...writepathEngines,
  classicLevel,
  writepathLevel,
  rocksdb,
  ...rocksdbCppEngines,
  lmdb,
  sqlite,
  limitSync,
  limitDevice,
  limitMemtable,
]

export const engineNames = [
  "writepath",
  "classic-level",
  "writepath-level",
  "rocksdb",
  "rocksdb-cpp",
  "lmdb",
  "sqlite",
  "limit-sync",
  "limit-device",
  "limit-memtable",
] as const
export type EngineName = (typeof engineNames)[number]
