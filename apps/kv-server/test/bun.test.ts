/**
 * The same server code on Bun: src/main.ts started with the bun binary from node_modules
 * (BunHttpServer, BunRuntime), spoken to over HTTP, stopped with SIGTERM, reopened.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, expect, it } from "vitest"
import { bunBinary, removeTempDirs, startServer, tempDir } from "./serverProcess.ts"

afterEach(removeTempDirs)

it("runs on Bun: endpoints, bad input, auth, owner-only files, SIGTERM exit 0", async () => {
  expect(fs.existsSync(bunBinary)).toBe(true)
  const dir = path.join(tempDir(), "db")
  const env = { WRITEPATH_PATH: dir, WRITEPATH_STRATEGY: "two-queue", WRITEPATH_TOKEN: "bun-token", WRITEPATH_MAX_BODY_BYTES: "1024" }
  const headers = { authorization: "Bearer bun-token" }
  const server = await startServer(env, "bun")
  expect(server.logs.find((l) => l.message === "starting")?.annotations.runtime).toBe("bun")
  const at = (p: string) => `${server.url}${p}`

  expect(await (await fetch(at("/health"), { headers })).json()).toEqual({ status: "ok", strategy: "two-queue" })
  expect((await fetch(at("/health"))).status).toBe(401)
  const value = new Uint8Array(256).map((_, i) => 255 - i)
  expect((await fetch(at("/kv/bin"), { method: "PUT", body: value, headers })).status).toBe(204)
  expect(new Uint8Array(await (await fetch(at("/kv/bin"), { headers })).arrayBuffer())).toEqual(value)
  const batch = {
    ops: [
      { type: "put", key: "a", value: "1" },
      { type: "put", key: "b", value: "2" },
      { type: "delete", key: "bin" },
    ],
  }
  expect(
    (
      await fetch(at("/batch"), {
        method: "POST",
        body: JSON.stringify(batch),
        headers: { ...headers, "content-type": "application/json" },
      })
    ).status,
  ).toBe(200)
  expect(await (await fetch(at("/kv?gte=a&lt=c"), { headers })).text()).toBe('{"key":"a","value":"MQ=="}\n{"key":"b","value":"Mg=="}\n')
  expect((await fetch(at("/kv/bin"), { headers })).status).toBe(404)
  expect((await fetch(at("/kv/big"), { method: "PUT", body: new Uint8Array(2048), headers })).status).toBe(413)
  expect((await fetch(at("/batch"), { method: "POST", body: "{", headers })).status).toBe(400)
  const prep = JSON.stringify({ ops: [{ type: "put", key: "t", value: "txn" }] })
  expect(
    (await fetch(at("/txn/t1/prepare"), { method: "POST", body: prep, headers: { ...headers, "content-type": "application/json" } }))
      .status,
  ).toBe(200)
  expect((await fetch(at("/txn/t1/commit"), { method: "POST", headers })).status).toBe(200)
  expect((await fetch(at("/txn/t1/commit"), { method: "POST", headers })).status).toBe(404)
  expect((await fetch(at("/openapi.json"), { headers })).status).toBe(200)

  for (const f of fs.readdirSync(dir)) expect(fs.statSync(path.join(dir, f)).mode & 0o777, f).toBe(0o600)
  expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
  expect(await server.stop("SIGTERM")).toBe(0)

  const again = await startServer(env, "bun")
  try {
    expect(await (await fetch(`${again.url}/kv/t`, { headers })).text()).toBe("txn")
    expect(await (await fetch(`${again.url}/kv/a`, { headers })).text()).toBe("1")
  } finally {
    expect(await again.stop("SIGTERM")).toBe(0)
  }
})
