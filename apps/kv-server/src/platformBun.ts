/** Bun's platform: Bun.serve and BunRuntime.runMain (SIGINT/SIGTERM interrupt the main fiber). */
import { BunHttpServer, BunRuntime } from "@effect/platform-bun"
import type { Platform } from "./Platform.ts"

export const platform: Platform = {
  name: "bun",
  serverLayer: (listen) => BunHttpServer.layer({ port: listen.port, hostname: listen.host }),
  runMain: (effect) => BunRuntime.runMain(effect, { disablePrettyLogger: true }),
}
