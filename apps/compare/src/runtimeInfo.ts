/** What produced a report: the runtime, the machine, libuv's thread pool. */
import * as os from "node:os"

declare const Bun: { readonly version: string } | undefined
declare const Deno: { readonly version: { readonly deno: string } } | undefined

export type RuntimeName = "node" | "bun" | "deno"

export const runtimeName = (): RuntimeName => {
  if (typeof Bun !== "undefined") return "bun"
  if (typeof Deno !== "undefined") return "deno"
  return "node"
}

/** "node 20.19.0", "bun 1.4.5", "deno 2.9.6". */
export const runtimeLabel = (): string => {
  if (typeof Bun !== "undefined") return `bun ${Bun.version}`
  if (typeof Deno !== "undefined") return `deno ${Deno.version.deno}`
  return `node ${process.versions.node}`
}

export const machineInfo = (): { cpus: number; memGiB: number; platform: string; cpuModel: string } => {
  const cpus = os.cpus()
  return {
    cpus: Math.max(1, cpus.length),
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
  }
}

/**
 * libuv's thread pool size, which caps how many native-addon writes (classic-level,
 * rocksdb) run at once on Node: UV_THREADPOOL_SIZE, read once at the pool's first use,
 * or libuv's default 4. Null on Bun and Deno, which run addon work on pools of their own.
 */
export const uvThreadpoolSize = (): number | null => {
  if (runtimeName() !== "node") return null
  const n = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? "", 10)
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1024) : 4
}
