/**
 * Configuration through the environment: each strategy, bad values that stop start-up
 * naming the variable, the bind address, bearer auth, owner-only files, and a write
 * stall answered with 503.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { STRATEGIES } from "@writepath/strategies"
import { afterEach, describe, expect, it } from "vitest"
import { removeTempDirs, runToExit, type ServerProcess, startServer, tempDir } from "./serverProcess.ts"

const running: ServerProcess[] = []
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop("SIGTERM")
  removeTempDirs()
})
const start = async (env: Record<string, string>): Promise<ServerProcess> => {
  const s = await startServer({ WRITEPATH_PATH: path.join(tempDir(), "db"), ...env })
  running.push(s)
  return s
}

describe("WRITEPATH_STRATEGY picks the engine's write strategy", () => {
  it.each(STRATEGIES)("%s", async (strategy) => {
    const s = await start({ WRITEPATH_STRATEGY: strategy })
    expect(await (await fetch(`${s.url}/health`)).json()).toEqual({ status: "ok", strategy })
    // 16 concurrent durable writes and a 2PC round through the chosen strategy.
    const puts = await Promise.all(Array.from({ length: 16 }, (_, i) => fetch(`${s.url}/kv/k${i}`, { method: "PUT", body: `v${i}` })))
    expect(puts.map((r) => r.status)).toEqual(Array(16).fill(204))
    const body = JSON.stringify({ ops: [{ type: "put", key: "t", value: strategy }] })
    expect((await fetch(`${s.url}/txn/x/prepare`, { method: "POST", body, headers: { "content-type": "application/json" } })).status).toBe(
      200,
    )
    expect((await fetch(`${s.url}/txn/x/commit`, { method: "POST" })).status).toBe(200)
    expect(await (await fetch(`${s.url}/kv/t`)).text()).toBe(strategy)
    const stats = (await (await fetch(`${s.url}/stats`)).json()) as { strategy: string; walSyncs: number }
    expect(stats.strategy).toBe(strategy)
    expect(stats.walSyncs).toBeGreaterThan(0)
  })
})

describe("a bad value stops start-up naming the variable", () => {
  it.each([
    ["PORT", "http"],
    ["PORT", "70000"],
    ["WRITEPATH_STRATEGY", "fastest"],
    ["WRITEPATH_MAX_BODY_BYTES", "-1"],
    ["WRITEPATH_NO_SLOWDOWN", "perhaps"],
    ["WRITEPATH_WRITE_BUFFER_SIZE", "1000"],
    ["WRITEPATH_WAL_RECOVERY_MODE", "optimistic"],
    ["WRITEPATH_CONCURRENT_MEMTABLE_WORKERS", "2"], // only for concurrent-memtable
  ])("%s=%s", async (name, value) => {
    const { code, output } = await runToExit({ WRITEPATH_PATH: path.join(tempDir(), "db"), [name]: value })
    expect(code).toBe(1)
    expect(output).toContain(name)
  })

  it("engine options are taken from WRITEPATH_<OPTION>", async () => {
    const s = await start({ WRITEPATH_STRATEGY: "concurrent-memtable", WRITEPATH_CONCURRENT_MEMTABLE_WORKERS: "1" })
    expect((await fetch(`${s.url}/kv/a`, { method: "PUT", body: "1" })).status).toBe(204)
  })
})

describe("bind address", () => {
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === "IPv4" && !i.internal)?.address

  const connects = (host: string, port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const sock = net.connect({ host, port })
      sock.once("connect", () => {
        sock.destroy()
        resolve(true)
      })
      sock.once("error", () => resolve(false))
    })

  it("listens on 127.0.0.1 only by default", async () => {
    const s = await start({})
    const url = new URL(s.url)
    expect(url.hostname).toBe("127.0.0.1")
    expect(await connects("127.0.0.1", Number(url.port))).toBe(true)
    if (external !== undefined) expect(await connects(external, Number(url.port))).toBe(false)
  })

  it("HOST=0.0.0.0 listens on every interface", async () => {
    const s = await start({ HOST: "0.0.0.0" })
    const port = Number(new URL(s.url).port)
    expect(await connects("127.0.0.1", port)).toBe(true)
    if (external !== undefined) expect(await connects(external, port)).toBe(true)
  })
})

describe("WRITEPATH_TOKEN", () => {
  it("every request needs the bearer token; 401 otherwise", async () => {
    const s = await start({ WRITEPATH_TOKEN: "s3cret-token" })
    for (const p of ["/health", "/kv/a", "/openapi.json", "/docs", "/nope"]) {
      const none = await fetch(`${s.url}${p}`)
      expect(none.status, p).toBe(401)
      expect(await none.json()).toMatchObject({ _tag: "Unauthorized", message: expect.stringMatching(/missing/) })
      expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/)
    }
    for (const auth of ["Bearer wrong", "Bearer s3cret-token2", "Bearer s3cret-toke", "Basic s3cret-token", "s3cret-token"]) {
      const r = await fetch(`${s.url}/kv/a`, { method: "PUT", body: "x", headers: { authorization: auth } })
      expect(r.status, auth).toBe(401)
    }
    const ok = { authorization: "Bearer s3cret-token" }
    expect((await fetch(`${s.url}/kv/a`, { method: "PUT", body: "x", headers: ok })).status).toBe(204)
    expect(await (await fetch(`${s.url}/kv/a`, { headers: ok })).text()).toBe("x")
    // The failed attempts wrote nothing: the one value is the authorized one.
    expect((await fetch(`${s.url}/health`, { headers: ok })).status).toBe(200)
  })
})

describe("files", () => {
  it("are created readable by the owner only (folders 0700, files 0600)", async () => {
    const dir = path.join(tempDir(), "db")
    const s = await startServer({ WRITEPATH_PATH: dir, WRITEPATH_WRITE_BUFFER_SIZE: String(64 * 1024) })
    running.push(s)
    // Enough to switch memtables and flush a table, so every kind of file exists.
    for (let i = 0; i < 40; i++) await fetch(`${s.url}/kv/k${i}`, { method: "PUT", body: new Uint8Array(4096) })
    const st = (await (await fetch(`${s.url}/stats`)).json()) as { flushes: number }
    expect(st.flushes).toBeGreaterThan(0)
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
    const files = fs.readdirSync(dir)
    expect(files.some((f) => f.endsWith(".ldb"))).toBe(true)
    for (const f of files) expect(fs.statSync(path.join(dir, f)).mode & 0o777, f).toBe(0o600)
  })

  it("an existing, wider database folder is narrowed to 0700", async () => {
    const dir = path.join(tempDir(), "db")
    fs.mkdirSync(dir, { mode: 0o755 })
    fs.chmodSync(dir, 0o755)
    await start({ WRITEPATH_PATH: dir })
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
  })
})

describe("engine stalled", () => {
  it("a write stall answers 503 with the engine's error; acknowledged writes stay readable", async () => {
    // One level-0 table stops writes (no compaction to clear it): after the first flush every write stalls.
    const s = await start({
      WRITEPATH_WRITE_BUFFER_SIZE: String(64 * 1024),
      WRITEPATH_LEVEL0_FILE_NUM_COMPACTION_TRIGGER: "1",
      WRITEPATH_LEVEL0_SLOWDOWN_WRITES_TRIGGER: "1",
      WRITEPATH_LEVEL0_STOP_WRITES_TRIGGER: "1",
      WRITEPATH_DISABLE_AUTO_COMPACTIONS: "true",
    })
    const acknowledged: string[] = []
    let stalled: Response | undefined
    for (let i = 0; i < 200 && stalled === undefined; i++) {
      const r = await fetch(`${s.url}/kv/k${i}`, { method: "PUT", body: new Uint8Array(4096) })
      if (r.status === 204) acknowledged.push(`k${i}`)
      else stalled = r
    }
    expect(stalled?.status).toBe(503)
    expect(await stalled!.json()).toMatchObject({ _tag: "EngineUnavailable", engineError: "WriteStall" })
    expect(acknowledged.length).toBeGreaterThan(0)
    for (const k of acknowledged) expect((await fetch(`${s.url}/kv/${k}`)).status).toBe(200)
  })
})
