/** Shared entry: runs every suite with the given runtime environment and exits non-zero on failure. */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { FileSystem } from "@effect/platform"
import type { Layer } from "effect"
import { type RuntimeName, runSuites } from "./harness.ts"
import { allSuites } from "./suites.ts"

export const main = async (runtime: RuntimeName, fileSystem: Layer.Layer<FileSystem.FileSystem>): Promise<void> => {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), `writepath-conformance-${runtime}-`))
  console.log(`writepath runtime conformance on ${runtime}`)
  try {
    const { passed, failed } = await runSuites({ runtime, fileSystem, tmpDir }, allSuites)
    console.log(`${runtime}: ${passed} passed, ${failed.length} failed`)
    if (failed.length > 0) process.exitCode = 1
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true })
  }
}
