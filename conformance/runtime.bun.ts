import { BunFileSystem } from "@effect/platform-bun"
import { main } from "./main.ts"

await main("bun", BunFileSystem.layer)
