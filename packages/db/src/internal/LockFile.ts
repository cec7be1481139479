/**
 * The database's LOCK file: one writer process per folder.
 *
 * RocksDB takes an fcntl lock that the kernel drops when the process dies. Node,
 * Bun and Deno expose no portable flock/fcntl, so the lock is an exclusively
 * created file naming its holder (pid, host). A lock whose holder process is gone
 * (a crash, a SIGKILL) is stale and is taken over; a live holder, including this
 * very process, gets DatabaseLocked.
 *
 * Owns: the LOCK file while held. Invariants: 1. a held lock's file contains our
 * pid and a token unique to this acquisition; 2. release removes the file only if
 * it still carries our token. Synchronous throughout: nothing here yields.
 *
 * Known limit: a stale lock whose pid was reused by an unrelated live process
 * reads as held; the error names the pid so an operator can remove LOCK.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { DatabaseLocked } from "../DbError.ts"
import { toIOError } from "./DbFolder.ts"

export interface HeldLock {
  readonly file: string
  readonly token: string
  release(): void
}

interface Holder {
  readonly pid: number
  readonly host: string
  readonly token: string
}

const parse = (text: string): Holder | undefined => {
  const [pid, host, token] = text.split("\n")
  const n = Number(pid)
  return Number.isInteger(n) && n > 0 && host !== undefined && token !== undefined ? { pid: n, host, token } : undefined
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

let counter = 0

type DenoPermissions = { permissions: { querySync(d: { name: "sys"; kind: "hostname" }): { state: string } } }

/** The host name for the LOCK file; "unknown" under Deno without `--allow-sys` (asking would throw or prompt). */
const hostName = (): string => {
  const deno = (globalThis as { Deno?: DenoPermissions }).Deno
  if (deno !== undefined && deno.permissions.querySync({ name: "sys", kind: "hostname" }).state !== "granted") return "unknown"
  return os.hostname()
}

export const acquireLock = (dir: string): HeldLock => {
  const file = path.join(dir, "LOCK")
  const host = hostName()
  const token = `${process.pid}.${Date.now()}.${counter++}`
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, "wx")
      try {
        fs.writeSync(fd, `${process.pid}\n${host}\n${token}`)
        fs.fsyncSync(fd)
      } finally {
        fs.closeSync(fd)
      }
      return {
        file,
        token,
        release: () => {
          const holder = readHolder(file)
          if (holder?.token === token) fs.rmSync(file, { force: true })
        },
      }
    } catch (e) {
      // A read-only or immutable folder, a full disk...: a typed error naming the LOCK file.
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw toIOError("create", file, e)
    }
    const holder = readHolder(file)
    if (holder === undefined) {
      // Empty or torn LOCK: its writer died between create and write. Stale.
      fs.rmSync(file, { force: true })
      continue
    }
    if (holder.host !== host || isAlive(holder.pid)) {
      throw new DatabaseLocked({ path: dir, holderPid: holder.pid, holderHost: holder.host })
    }
    fs.rmSync(file, { force: true })
  }
  const holder = readHolder(file)
  throw new DatabaseLocked({ path: dir, holderPid: holder?.pid ?? -1, holderHost: holder?.host ?? "unknown" })
}

const readHolder = (file: string): Holder | undefined => {
  try {
    return parse(fs.readFileSync(file, "utf8"))
  } catch {
    return undefined
  }
}
