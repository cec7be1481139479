/** Every package's conformance suite. A package adds its suite here when it lands. */
import type { Suite } from "./harness.ts"
import { batchSuite } from "./suites/batch.ts"
import { coreQueueSuite } from "./suites/coreQueue.ts"
import { dbSuite } from "./suites/db.ts"
import { fileSystemSuite } from "./suites/fileSystem.ts"
import { memtableSuite } from "./suites/memtable.ts"
import { sharedQueueSuite } from "./suites/sharedQueue.ts"
import { snappySuite } from "./suites/snappy.ts"
import { tableSuite } from "./suites/table.ts"
import { walSuite } from "./suites/wal.ts"

export const allSuites: ReadonlyArray<readonly [string, Suite]> = [
  ["batch", batchSuite],
  ["coreQueue", coreQueueSuite],
  ["db", dbSuite],
  ["fileSystem", fileSystemSuite],
  ["memtable", memtableSuite],
  ["sharedQueue", sharedQueueSuite],
  ["snappy", snappySuite],
  ["table", tableSuite],
  ["wal", walSuite],
]
