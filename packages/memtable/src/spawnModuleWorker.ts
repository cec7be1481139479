/**
 * Starting a worker thread from a TypeScript or JavaScript module on every runtime
 * (exported for other packages' workers: the concurrent-memtable strategy's pool). Bun and
 * Deno run .ts workers natively, and the built package ships .js. Node 20 running from
 * source cannot load a .ts worker entry, so there the worker starts from a bootstrap
 * that registers tsx's ESM hooks first (tsx is a dev dependency: running from source is
 * a development setup).
 */
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
import { Worker } from "node:worker_threads"

const isPlainNode = (): boolean => {
  const versions = (globalThis as { process?: { versions?: Record<string, string | undefined> } }).process?.versions
  return versions?.node !== undefined && versions.bun === undefined && versions.deno === undefined
}

const tsxEsmApi = (): string => {
  const resolve = (import.meta as { resolve?: (s: string) => string }).resolve
  if (typeof resolve === "function") {
    try {
      return resolve("tsx/esm/api")
    } catch {
      // some test runners replace import.meta; fall back to require.resolve
    }
  }
  return pathToFileURL(
    createRequire(import.meta.url)
      .resolve("tsx/esm/api")
      .replace(/\.cjs$/, ".mjs"),
  ).href
}

/** A Worker running the module at `url` (its own extension decides .ts or .js). */
export const spawnModuleWorker = (url: URL, workerData: unknown): Worker => {
  if (!url.pathname.endsWith(".ts") || !isPlainNode()) return new Worker(url, { workerData })
  const boot = `import(${JSON.stringify(tsxEsmApi())}).then((m) => m.register()).then(() => import(${JSON.stringify(url.href)}))`
  return new Worker(boot, { eval: true, workerData })
}
