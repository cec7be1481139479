/**
 * Load test of the HTTP service against the engine in-process (a program, not a test;
 * prints a table and JSON). Per strategy, in one run:
 *
 *  1. in-process: 64 closed-loop writers `put(k, v, { sync: true })` through `@writepath/db`
 *     for `--duration` seconds (16-byte keys, 100-byte values): the engine's figure;
 *  2. HTTP durable PUTs: autocannon, 64 connections, `PUT /kv/{key}` (100-byte body) against
 *     the real server (spawned, 127.0.0.1, free port) for `--duration` seconds;
 *  3. HTTP mixed: 64 connections, half `GET /kv/{key}` of keys written in 2, half durable PUTs.
 *
 * The ratio is HTTP PUT req/s / in-process sync ops/s (target >= 0.5). Traffic goes to
 * 127.0.0.1 only and every run stops by itself after its duration.
 *
 *   pnpm bench:server [--duration 10] [--strategies classic,two-queue] [--json out.json]
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import { createServer } from "node:http"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { open } from "@writepath/db"
import { STRATEGIES, type StrategyName } from "@writepath/strategies"
import autocannon from "autocannon"

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    strategies: { type: "string", default: STRATEGIES.join(",") },
    connections: { type: "string", default: "64" },
    json: { type: "string" },
  },
})
const DURATION = Number(values.duration)
const CONNECTIONS = Number(values.connections)
const strategies = values.strategies.split(",").map((s): StrategyName => {
  if (!(STRATEGIES as ReadonlyArray<string>).includes(s)) throw new Error(`--strategies: "${s}" is not one of ${STRATEGIES.join(", ")}`)
  return s as StrategyName
})
const VALUE = Buffer.alloc(100, 0x61)

const require = createRequire(import.meta.url)
const tsxLoader = pathToFileURL(path.join(path.dirname(require.resolve("tsx/package.json")), "dist/loader.mjs")).href
const main = path.join(path.dirname(fileURLToPath(import.meta.url)), "../src/main.ts")

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!

/** 64 closed-loop sync writers through the engine for DURATION seconds. */
const inProcess = async (strategy: StrategyName, dir: string) => {
  const db = await open({ path: dir, strategy })
  const lat: number[] = []
  let ops = 0
  const deadline = performance.now() + DURATION * 1000
  const writer = async (w: number) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const t0 = performance.now()
      await db.put(`w${String(w).padStart(2, "0")}-${String(i).padStart(11, "0")}`, VALUE, { sync: true })
      lat.push((performance.now() - t0) * 1000)
      ops++
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, w) => writer(w)))
  const secs = (performance.now() - t0) / 1000
  await db.close()
  lat.sort((a, b) => a - b)
  return { opsPerSec: Math.round(ops / secs), p50Ms: pct(lat, 50) / 1000, p99Ms: pct(lat, 99) / 1000 }
}

const startServer = (strategy: string, dir: string): Promise<{ child: ChildProcess; url: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", tsxLoader, main], {
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", WRITEPATH_PATH: dir, WRITEPATH_STRATEGY: strategy, WRITEPATH_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "inherit"],
    })
    let buf = ""
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString()
      const m = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buf)
      if (m !== null) resolve({ child, url: m[1]! })
    })
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)))
  })

const stopServer = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => {
    child.removeAllListeners("exit")
    child.once("exit", (code) => resolve(code))
    child.kill("SIGTERM")
  })

interface HttpFigures {
  readonly reqPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly non2xx: number
  readonly errors: number
}

const figures = (r: autocannon.Result): HttpFigures => ({
  reqPerSec: Math.round(r.requests.average),
  p50Ms: r.latency.p50,
  p99Ms: r.latency.p99,
  non2xx: r.non2xx,
  errors: r.errors,
})

const httpPuts = async (url: string): Promise<{ figures: HttpFigures; written: number }> => {
  let n = 0
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [{ method: "PUT", body: VALUE, setupRequest: (req) => ({ ...req, path: `/kv/k${String(n++).padStart(14, "0")}` }) }],
  })
  return { figures: figures(r), written: n }
}

const httpMixed = async (url: string, written: number): Promise<HttpFigures> => {
  let n = 0
  const key = () => `/kv/k${String(Math.floor(Math.random() * Math.max(1, written))).padStart(14, "0")}`
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [
      { method: "GET", setupRequest: (req) => ({ ...req, path: key() }) },
      { method: "PUT", body: VALUE, setupRequest: (req) => ({ ...req, path: `/kv/m${String(n++).padStart(14, "0")}` }) },
    ],
  })
  return figures(r)
}

/**
 * The machine's HTTP ceiling in this run: a bare node:http server answering 204 to the same
 * autocannon load (no Effect, no engine). On a loaded shared machine loopback HTTP slows far
 * more than in-process code, so this row says how much of the gap is the machine.
 */
const bareHttp = async (): Promise<HttpFigures> => {
  const server = createServer((_, res) => {
    res.statusCode = 204
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as { port: number }).port
  try {
    return figures(
      await autocannon({ url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration: DURATION, method: "PUT", body: VALUE }),
    )
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
}

const bare = await bareHttp()
const rows = []
const root = fs.mkdtempSync(path.join(os.tmpdir(), "kv-bench-"))
try {
  for (const strategy of strategies) {
    const engine = await inProcess(strategy, path.join(root, `${strategy}-engine`))
    const { child, url } = await startServer(strategy, path.join(root, `${strategy}-server`))
    let shutdownCode: number | null = null
    try {
      const puts = await httpPuts(url)
      const mixed = await httpMixed(url, puts.written)
      rows.push({
        strategy,
        engine,
        put: puts.figures,
        mixed,
        ratio: Math.round((puts.figures.reqPerSec / engine.opsPerSec) * 1000) / 1000,
      })
    } finally {
      shutdownCode = await stopServer(child)
    }
    if (shutdownCode !== 0) throw new Error(`server exited with ${shutdownCode} on SIGTERM`)
    console.error(`${strategy} done`)
  }
} finally {
  fs.rmSync(root, { recursive: true, force: true })
}

const f = (n: number) => n.toLocaleString("en-US")
console.log(`${CONNECTIONS} connections / writers, ${DURATION} s per run, 100-byte values, load ${os.loadavg()[0]!.toFixed(1)}`)
console.log(`bare node:http PUT -> 204 on this machine now: ${f(bare.reqPerSec)} req/s (p50 ${bare.p50Ms} / p99 ${bare.p99Ms} ms)\n`)
console.log(
  "| strategy | in-process sync ops/s (p50/p99 ms) | HTTP durable PUT req/s (p50/p99 ms) | ratio | HTTP mixed req/s (p50/p99 ms) | non-2xx |",
)
console.log("|---|---|---|---|---|---|")
for (const r of rows) {
  console.log(
    `| ${r.strategy} | ${f(r.engine.opsPerSec)} (${r.engine.p50Ms.toFixed(1)}/${r.engine.p99Ms.toFixed(1)}) | ${f(r.put.reqPerSec)} (${r.put.p50Ms}/${r.put.p99Ms}) | ${r.ratio}x | ${f(r.mixed.reqPerSec)} (${r.mixed.p50Ms}/${r.mixed.p99Ms}) | ${r.put.non2xx + r.mixed.non2xx + r.put.errors + r.mixed.errors} |`,
  )
}
const report = { connections: CONNECTIONS, durationSec: DURATION, loadAverage: os.loadavg(), node: process.version, bareHttp: bare, rows }
if (values.json !== undefined) fs.writeFileSync(values.json, JSON.stringify(report, null, 2))
console.log(`\n${JSON.stringify(report)}`)
