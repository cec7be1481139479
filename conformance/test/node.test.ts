import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { expect, it } from "vitest"
import { runSuites } from "../harness.ts"
import { allSuites } from "../suites.ts"

// The same conformance suites Bun and Deno run, on Node, inside the vitest run.
it("runtime conformance suites pass on Node", async () => {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-conformance-node-"))
  try {
    const { passed, failed } = await runSuites({ runtime: "node", fileSystem: NodeFileSystem.layer, tmpDir }, allSuites)
    expect(failed).toEqual([])
    expect(passed).toBeGreaterThan(0)
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true })
  }
}, 900_000) // the sharedQueue suite starts worker threads: minutes on a loaded 2-core machine
