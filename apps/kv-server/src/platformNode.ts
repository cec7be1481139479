/** Node's platform: node:http server and NodeRuntime.runMain (SIGINT/SIGTERM interrupt the main fiber). */
import { createServer } from "node:http"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import type { Platform } from "./Platform.ts"

export const platform: Platform = {
  name: "node",
  serverLayer: (listen) => NodeHttpServer.layer(createServer, { port: listen.port, host: listen.host }),
  runMain: (effect) => NodeRuntime.runMain(effect, { disablePrettyLogger: true }),
}
