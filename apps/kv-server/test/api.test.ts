/**
 * Every endpoint and every bad input, over real HTTP against the real server (child
 * process, free loopback port, classic strategy, small limits so the limits are testable).
 */
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { removeTempDirs, type ServerProcess, startServer, tempDir } from "./serverProcess.ts"

let server: ServerProcess
let dataDir: string
const MAX_BODY = 1024
const MAX_KEY = 64

beforeAll(async () => {
  dataDir = path.join(tempDir(), "db")
  server = await startServer({
    WRITEPATH_PATH: dataDir,
    WRITEPATH_MAX_BODY_BYTES: String(MAX_BODY),
    WRITEPATH_MAX_KEY_BYTES: String(MAX_KEY),
  })
})
afterAll(async () => {
  expect(await server.stop("SIGTERM")).toBe(0)
  removeTempDirs()
})

const req = (p: string, init?: RequestInit) => fetch(`${server.url}${p}`, init)
const put = (key: string, body: string | Uint8Array, query = "") => req(`/kv/${encodeURIComponent(key)}${query}`, { method: "PUT", body })
const json = async (r: Response): Promise<Record<string, unknown>> => (await r.json()) as Record<string, unknown>
const ndjson = async (r: Response) =>
  (await r.text())
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { key: string; value: string })
const b64 = (s: string) => Buffer.from(s).toString("base64")

describe("GET/PUT/DELETE /kv/{key}", () => {
  it("stores and returns binary values byte for byte", async () => {
    const value = new Uint8Array(256).map((_, i) => i) // every byte value, including 0 and 0xff
    const r = await put("bin", value)
    expect(r.status).toBe(204)
    const g = await req("/kv/bin")
    expect(g.status).toBe(200)
    expect(g.headers.get("content-type")).toBe("application/octet-stream")
    expect(new Uint8Array(await g.arrayBuffer())).toEqual(value)
  })

  it("takes any content type as raw bytes, and an empty value", async () => {
    expect((await req("/kv/j", { method: "PUT", body: '{"not":"parsed"}', headers: { "content-type": "application/json" } })).status).toBe(
      204,
    )
    expect(await (await req("/kv/j")).text()).toBe('{"not":"parsed"}')
    expect((await put("empty", "")).status).toBe(204)
    const g = await req("/kv/empty")
    expect(g.status).toBe(200)
    expect((await g.arrayBuffer()).byteLength).toBe(0)
  })

  it("treats keys as opaque bytes: slashes, dots and unicode are just key bytes", async () => {
    for (const key of ["../../etc/passwd", "a/b/c", "ключ", "sp ace"]) {
      expect((await put(key, `v:${key}`)).status).toBe(204)
      expect(await (await req(`/kv/${encodeURIComponent(key)}`)).text()).toBe(`v:${key}`)
    }
  })

  it("?sync=false writes are acknowledged and readable", async () => {
    expect((await put("nosync", "x", "?sync=false")).status).toBe(204)
    expect(await (await req("/kv/nosync")).text()).toBe("x")
  })

  it("deletes, and a missing key is 404 JSON naming it", async () => {
    await put("gone", "1")
    expect((await req("/kv/gone", { method: "DELETE" })).status).toBe(204)
    const g = await req("/kv/gone")
    expect(g.status).toBe(404)
    expect(await json(g)).toMatchObject({ _tag: "KeyNotFound", key: "gone" })
  })
})

describe("POST /batch", () => {
  it("applies puts and deletes atomically, utf8 and base64 values", async () => {
    await put("b-del", "old")
    const r = await req("/batch", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        ops: [
          { type: "put", key: "b-1", value: "one" },
          { type: "put", key: "b-2", value: b64("\u0000two\u00ff"), encoding: "base64" },
          { type: "delete", key: "b-del" },
        ],
      }),
    })
    expect(r.status).toBe(200)
    expect(await json(r)).toEqual({ ops: 3, sync: true })
    expect(await (await req("/kv/b-1")).text()).toBe("one")
    expect(Buffer.from(await (await req("/kv/b-2")).arrayBuffer()).toString()).toBe("\u0000two\u00ff")
    expect((await req("/kv/b-del")).status).toBe(404)
  })

  it.each([
    ["not JSON", "{oops", /not JSON/],
    ["no ops", "{}", /ops/],
    ["empty ops", '{"ops":[]}', /ops/],
    ["unknown op type", '{"ops":[{"type":"merge","key":"k","value":"v"}]}', /type/],
    ["put without value", '{"ops":[{"type":"put","key":"k"}]}', /value/],
    ["empty key", '{"ops":[{"type":"put","key":"","value":"v"}]}', /ops\[0\]\.key is empty/],
    ["bad base64", '{"ops":[{"type":"put","key":"k","value":"@@@","encoding":"base64"}]}', /ops\[0\]\.value is not valid base64/],
    [
      "key over the limit",
      JSON.stringify({ ops: [{ type: "delete", key: "k".repeat(MAX_KEY + 1) }] }),
      /ops\[0\]\.key is 65 bytes, over the limit of 64/,
    ],
  ])("a malformed batch (%s) is 400 naming the problem and writes nothing", async (_, body, message) => {
    const before = await ndjson(await req("/kv"))
    const r = await req("/batch", { method: "POST", headers: { "content-type": "application/json" }, body })
    expect(r.status).toBe(400)
    const e = await json(r)
    expect(e._tag).toBe("BadRequest")
    expect(String(e.message)).toMatch(message)
    expect(await ndjson(await req("/kv"))).toEqual(before)
  })
})

describe("GET /kv (range scan)", () => {
  beforeAll(async () => {
    for (const k of ["s:a", "s:b", "s:c", "s:d"]) await put(k, `v-${k}`, "?sync=false")
  })

  it("streams [gte, lt) in order as NDJSON", async () => {
    const r = await req("/kv?gte=s:b&lt=s:d")
    expect(r.headers.get("content-type")).toBe("application/x-ndjson")
    expect(await ndjson(r)).toEqual([
      { key: "s:b", value: b64("v-s:b") },
      { key: "s:c", value: b64("v-s:c") },
    ])
  })

  it("reverse and limit", async () => {
    const rows = await ndjson(await req("/kv?gte=s:&lt=s;&reverse=true&limit=3"))
    expect(rows.map((r) => r.key)).toEqual(["s:d", "s:c", "s:b"])
  })

  it.each([
    ["limit=0", /limit/],
    ["limit=x", /limit/],
    ["limit=1.5", /limit/],
    ["reverse=yes", /reverse/],
  ])("bad parameter %s is 400 naming it", async (q, message) => {
    const r = await req(`/kv?${q}`)
    expect(r.status).toBe(400)
    const e = await json(r)
    expect(e._tag).toBe("HttpApiDecodeError")
    expect(JSON.stringify(e)).toMatch(message)
  })
})

describe("bad input on /kv/{key}", () => {
  it("an empty or missing key is 400", async () => {
    for (const [method, p] of [
      ["GET", "/kv/"],
      ["PUT", "/kv/"],
      ["DELETE", "/kv/"],
      ["PUT", "/kv"],
    ] as const) {
      const r = await req(p, { method, ...(method === "PUT" ? { body: "v" } : {}) })
      expect(r.status, `${method} ${p}`).toBe(400)
      expect(await json(r)).toMatchObject({ _tag: "BadRequest", message: expect.stringMatching(/key is (missing or )?empty/) })
    }
  })

  it("a key over WRITEPATH_MAX_KEY_BYTES is 400 naming the limit", async () => {
    const r = await put("k".repeat(MAX_KEY + 1), "v")
    expect(r.status).toBe(400)
    expect(String((await json(r)).message)).toMatch(/key is 65 bytes, over the limit of 64 \(WRITEPATH_MAX_KEY_BYTES\)/)
    expect((await put("k".repeat(MAX_KEY), "v")).status).toBe(204)
  })

  it("a body over WRITEPATH_MAX_BODY_BYTES is 413 and not stored", async () => {
    const r = await put("big", new Uint8Array(MAX_BODY + 1))
    expect(r.status).toBe(413)
    expect(await json(r)).toMatchObject({ _tag: "PayloadTooLarge", limit: MAX_BODY })
    expect((await req("/kv/big")).status).toBe(404)
    expect((await put("big", new Uint8Array(MAX_BODY))).status).toBe(204)
  })

  it("a chunked body (no Content-Length) is 411", async () => {
    const body = new ReadableStream({
      start(c) {
        c.enqueue(new Uint8Array([1, 2, 3]))
        c.close()
      },
    })
    const r = await req("/kv/chunked", { method: "PUT", body, duplex: "half" } as RequestInit)
    expect(r.status).toBe(411)
    expect((await json(r))._tag).toBe("LengthRequired")
  })

  it("?sync=maybe is 400", async () => {
    const r = await put("k", "v", "?sync=maybe")
    expect(r.status).toBe(400)
    expect(JSON.stringify(await json(r))).toMatch(/sync/)
  })

  it("an unknown route is 404 JSON", async () => {
    const r = await req("/nope")
    expect(r.status).toBe(404)
    expect(await json(r)).toEqual({ _tag: "RouteNotFound", message: "no route for GET /nope" })
  })
})

describe("POST /txn/{name}/prepare|commit|rollback", () => {
  const ops = (k: string) => JSON.stringify({ ops: [{ type: "put", key: k, value: "t" }] })
  const txn = (name: string, step: string, body?: string) =>
    req(`/txn/${name}/${step}`, {
      method: "POST",
      ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } }),
    })

  it("prepare hides the writes; commit shows them; the name is free again", async () => {
    const p = await txn("t1", "prepare", ops("txn-k"))
    expect(p.status).toBe(200)
    expect(await json(p)).toEqual({ name: "t1", state: "prepared" })
    expect((await req("/kv/txn-k")).status).toBe(404)
    expect((await json(await req("/stats"))).preparedTransactions).toEqual(["t1"])
    expect(await json(await txn("t1", "commit"))).toEqual({ name: "t1", state: "committed" })
    expect(await (await req("/kv/txn-k")).text()).toBe("t")
    expect((await txn("t1", "prepare", ops("txn-k2"))).status).toBe(200)
    expect((await txn("t1", "rollback")).status).toBe(200)
  })

  it("rollback drops the writes", async () => {
    await txn("t2", "prepare", ops("txn-r"))
    expect(await json(await txn("t2", "rollback"))).toEqual({ name: "t2", state: "rolledBack" })
    expect((await req("/kv/txn-r")).status).toBe(404)
  })

  it("an unknown transaction is 404; a second prepare of a name is 409; a bad body is 400", async () => {
    for (const step of ["commit", "rollback"]) {
      const r = await txn("nobody", step)
      expect(r.status).toBe(404)
      expect(await json(r)).toMatchObject({ _tag: "TransactionNotFound", name: "nobody" })
    }
    await txn("t3", "prepare", ops("a"))
    const again = await txn("t3", "prepare", ops("b"))
    expect(again.status).toBe(409)
    expect((await json(again))._tag).toBe("TransactionConflict")
    await txn("t3", "rollback")
    expect((await txn("t4", "prepare", '{"ops":"no"}')).status).toBe(400)
  })
})

describe("GET /stats, /health, /openapi.json, /docs", () => {
  it("reports the engine's stats and health", async () => {
    const s = await json(await req("/stats"))
    expect(s.strategy).toBe("classic")
    expect(s.walSyncs as number).toBeGreaterThan(0)
    expect(await json(await req("/health"))).toEqual({ status: "ok", strategy: "classic" })
  })

  it("serves the OpenAPI document and its viewer", async () => {
    const doc = await json(await req("/openapi.json"))
    expect(Object.keys(doc.paths as object).sort()).toEqual([
      "/batch",
      "/health",
      "/kv",
      "/kv/{key}",
      "/stats",
      "/txn/{name}/commit",
      "/txn/{name}/prepare",
      "/txn/{name}/rollback",
    ])
    const docs = await req("/docs")
    expect(docs.status).toBe(200)
    expect(docs.headers.get("content-type")).toMatch(/text\/html/)
  })

  it("logs every request as JSON with a request id the response echoes", async () => {
    const r = await req("/health", { headers: { "x-request-id": "test-id-1" } })
    expect(r.headers.get("x-request-id")).toBe("test-id-1")
    const line = await server.waitForLog((l) => l.message === "request" && l.annotations.requestId === "test-id-1")
    expect(line.annotations).toMatchObject({ method: "GET", url: "/health", status: 200 })
    const generated = (await req("/health")).headers.get("x-request-id")
    expect(generated).toMatch(/^[0-9a-f-]{36}$/)
  })
})
