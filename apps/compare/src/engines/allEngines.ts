/**
 * Every engine the app knows, in report order, and the names `--engines` accepts.
 * `writepath` stands for its four strategies (narrowed by `--strategies`).
 */
import type { Engine } from "../Engine.ts"
import { classicLevel } from "./classicLevel.ts"
import { limitMemtable } from "./limitMemtable.ts"
import { limitSync } from "./limitSync.ts"
import { lmdb } from "./lmdb.ts"
import { rocksdb } from "./rocksdb.ts"
import { sqlite } from "./sqlite.ts"
import { writepathEngines } from "./writepath.ts"
import { writepathLevel } from "./writepathLevel.ts"

export const allEngines: readonly Engine[] = [
  ...writepathEngines,
  writepathLevel,
  classicLevel,
  rocksdb,
  lmdb,
  sqlite,
  limitSync,
  limitMemtable,
]

export const engineNames = [
  "writepath",
  "classic-level",
  "writepath-level",
  "rocksdb",
  "lmdb",
  "sqlite",
  "limit-sync",
  "limit-memtable",
] as const
export type EngineName = (typeof engineNames)[number]
