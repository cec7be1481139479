#!/usr/bin/env node
/**
 * `compare` and `test` for whichever runtime the user installed with: the same script names
 * work after `pnpm install` (Node), `bun install` (Bun) and `deno install` (Deno has its own
 * tasks in deno.json and never comes here).
 *
 *   node scripts/byRuntime.mjs compare [args...]
 *   node scripts/byRuntime.mjs test
 *
 * The runtime is the package manager that started the script (`npm_config_user_agent`,
 * "bun/1.x ..." under `bun run`): `bun run` finds a Node on PATH when there is one, so the
 * interpreter running this file does not tell. Under Bun the TypeScript runs on Bun itself
 * (no tsx, no Node needed); otherwise on Node through tsx, and `test` is the whole suite.
 * Exit status: the command's.
 */
import { spawnSync } from "node:child_process"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const bin = (name) => join(repo, "node_modules", ".bin", name)
const [task, ...args] = process.argv.slice(2)
const onBun = (process.env.npm_config_user_agent ?? "").startsWith("bun/") || process.versions.bun !== undefined
// Bun itself: this process, or the one `bun run` names in npm_execpath, or the first on PATH.
const execpath = process.env.npm_execpath ?? ""
const bun = process.versions.bun !== undefined ? process.execPath : /bun(\.exe)?$/.test(execpath) ? execpath : "bun"

const commands = {
  compare: onBun ? [bun, ["run", "apps/compare/src/main.ts", ...args]] : [bin("tsx"), ["apps/compare/src/main.ts", ...args]],
  // Under Bun: the runtime conformance suites (vitest, Biome and tsc are the Node suite's).
  test: onBun ? [bun, ["run", "conformance/runtime.bun.ts", ...args]] : [bin("pnpm"), ["run", "test:all", ...args]],
}
const command = commands[task]
if (command === undefined) {
  process.stderr.write(`byRuntime: unknown task ${task ?? "(none)"}; known: ${Object.keys(commands).join(", ")}\n`)
  process.exit(2)
}
const r = spawnSync(command[0], command[1], { cwd: repo, stdio: "inherit" })
if (r.error !== undefined) {
  process.stderr.write(`byRuntime: cannot run ${command[0]}: ${r.error.message}\n`)
  process.exit(1)
}
process.exit(r.status ?? 1)
