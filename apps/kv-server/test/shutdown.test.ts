/**
 * SIGTERM and SIGINT: the server stops listening, finishes the request in flight (a PUT
 * whose body is still arriving when the signal comes), closes the database and exits 0;
 * the write is there after a restart.
 */
import * as net from "node:net"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { removeTempDirs, startServer, tempDir } from "./serverProcess.ts"

afterEach(removeTempDirs)

const refused = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ host, port })
    s.once("connect", () => {
      s.destroy()
      resolve(false)
    })
    s.once("error", () => resolve(true))
  })

/** Resolves with the raw response text once the server ends the connection. */
const responseOf = (sock: net.Socket): Promise<string> =>
  new Promise((resolve) => {
    let text = ""
    sock.on("data", (d: Buffer) => {
      text += d.toString()
    })
    sock.once("close", () => resolve(text))
  })

describe("graceful shutdown", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("%s: stop accepting, finish the request in flight, close, exit 0", async (signal) => {
    const dir = path.join(tempDir(), "db")
    const server = await startServer({ WRITEPATH_PATH: dir, WRITEPATH_LOG_LEVEL: "Debug" })
    const { hostname, port } = new URL(server.url)

    const sock = net.connect({ host: hostname, port: Number(port) })
    const response = responseOf(sock)
    // A keep-alive request whose body is half sent: the handler is in flight, reading it.
    sock.write("PUT /kv/inflight HTTP/1.1\r\nHost: kv\r\nContent-Length: 10\r\nX-Request-Id: inflight-1\r\n\r\nhello")
    await server.waitForLog((l) => l.message === "request received" && l.annotations.requestId === "inflight-1")

    server.child.kill(signal)
    await server.waitForLog((l) => l.message.startsWith("shutting down"))
    // The listener closes while the request is still in flight (its body is not complete).
    let closed = false
    for (let i = 0; i < 1000 && !closed; i++) closed = await refused(hostname, Number(port))
    expect(closed).toBe(true)
    expect(server.child.exitCode).toBe(null)

    sock.write("world")
    const text = await response
    expect(text).toMatch(/^HTTP\/1\.1 204 /)
    expect(text.toLowerCase()).toContain("connection: close")
    expect(await server.exited).toBe(0)
    expect(server.logs.some((l) => l.message.startsWith("closed: database closed"))).toBe(true)

    const again = await startServer({ WRITEPATH_PATH: dir })
    try {
      expect(await (await fetch(`${again.url}/kv/inflight`)).text()).toBe("helloworld")
    } finally {
      expect(await again.stop("SIGTERM")).toBe(0)
    }
  })
})
