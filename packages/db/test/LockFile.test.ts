import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { DatabaseLocked } from "../src/DbError.ts"
import { acquireLock } from "../src/internal/LockFile.ts"

const dirs: string[] = []
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "writepath-lock-"))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

describe("LOCK file", () => {
  it("a second acquire in the same process is DatabaseLocked naming the holder", () => {
    const d = tmp()
    const held = acquireLock(d)
    let e: unknown
    try {
      acquireLock(d)
    } catch (x) {
      e = x
    }
    expect(e).toBeInstanceOf(DatabaseLocked)
    expect((e as DatabaseLocked).holderPid).toBe(process.pid)
    expect((e as DatabaseLocked).message).toContain("database is locked")
    held.release()
    acquireLock(d).release()
    expect(fs.existsSync(path.join(d, "LOCK"))).toBe(false)
  })

  it("a lock left by a SIGKILLed process is stale and taken over", async () => {
    const d = tmp()
    // The child takes the lock, reports, then waits to be killed.
    const child = spawn(
      process.execPath,
      [
        "-e",
        `const fs=require("fs"),os=require("os");fs.writeFileSync(${JSON.stringify(path.join(d, "LOCK"))}, process.pid+"\\n"+os.hostname()+"\\nchild",{flag:"wx"});console.log("held");setInterval(()=>{},1000)`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    )
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()))
    expect(() => acquireLock(d)).toThrow(DatabaseLocked)
    const exited = new Promise((resolve) => child.once("exit", resolve))
    child.kill("SIGKILL")
    await exited
    const held = acquireLock(d)
    expect(fs.readFileSync(path.join(d, "LOCK"), "utf8")).toContain(held.token)
    held.release()
  })

  it("release does not remove a lock that another holder took over", () => {
    const d = tmp()
    const held = acquireLock(d)
    fs.writeFileSync(path.join(d, "LOCK"), `${process.pid}\n${os.hostname()}\nsomeone-else`)
    held.release()
    expect(fs.readFileSync(path.join(d, "LOCK"), "utf8")).toContain("someone-else")
  })

  it("an empty LOCK (writer died before writing) is stale", () => {
    const d = tmp()
    fs.writeFileSync(path.join(d, "LOCK"), "")
    acquireLock(d).release()
  })
})
