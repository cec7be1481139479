import { NodeFileSystem } from "@effect/platform-node"
import { main } from "./main.ts"

await main("deno", NodeFileSystem.layer)
