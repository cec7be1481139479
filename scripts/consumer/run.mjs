#!/usr/bin/env node
/**
 * The consumer test: what a user gets from the registry, checked before anything is published.
 *
 * 1. Packs every published package (packages/*) twice, with `npm pack` and with `pnpm pack`
 *    (each runs the package's prepack: build, then the published manifest).
 * 2. For each set of tarballs, makes a fresh project in the OS temp folder (outside the
 *    workspace: no workspace node_modules can leak in) and installs the tarballs there with
 *    npm, dependencies from the registry as a user would get them.
 * 3. Runs smoke.mjs on Node, Bun and Deno (Deno with --allow-read --allow-write only), and a
 *    strict `tsc --noEmit` over typecheck.ts: an option typo must fail to compile, catchTag on
 *    an engine error must compile.
 *
 * Exit status 0 when every step passed; otherwise the failing step's output and exit 1.
 * Bun and Deno are the workspace's dev dependencies; npm and pnpm the ones on PATH.
 */
import { spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const repo = resolve(here, "../..")
const bin = (name) => join(repo, "node_modules", ".bin", name)
const keep = process.argv.includes("--keep")

const run = (what, cmd, args, cwd) => {
  const t0 = performance.now()
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", shell: false, env: { ...process.env, npm_config_update_notifier: "false" } })
  const ms = Math.round(performance.now() - t0)
  if (r.status !== 0) {
    process.stderr.write(`consumer: ${what} failed (exit ${r.status ?? r.signal}, ${ms} ms)\n${r.stdout}\n${r.stderr}\n`)
    process.exit(1)
  }
  process.stdout.write(`consumer: ${what} ok (${ms} ms)\n`)
  return r.stdout
}

const packages = readdirSync(join(repo, "packages"))
  .map((name) => ({ name, dir: join(repo, "packages", name) }))
  .filter((p) => existsSync(join(p.dir, "package.json")))
  .map((p) => ({ ...p, manifest: JSON.parse(readFileSync(join(p.dir, "package.json"), "utf8")) }))
  .filter((p) => p.manifest.private !== true)

const work = mkdtempSync(join(tmpdir(), "writepath-consumer-"))
try {
  for (const tool of ["npm", "pnpm"]) {
    const tarballs = join(work, `${tool}-tarballs`)
    mkdirSync(tarballs)
    const files = {}
    for (const p of packages) {
      const out = run(`${tool} pack ${p.manifest.name}`, tool, ["pack", "--pack-destination", tarballs], p.dir)
      const file = out.trim().split("\n").pop().trim()
      files[p.manifest.name] = join(tarballs, file.split("/").pop())
      if (!existsSync(files[p.manifest.name])) throw new Error(`${tool} pack did not write ${files[p.manifest.name]}`)
    }
    const project = join(work, `${tool}-project`)
    mkdirSync(project)
    const deps = Object.fromEntries(Object.entries(files).map(([name, file]) => [name, `file:${file}`]))
    // @types/node: a TypeScript user on Node has it; the declarations name node:* modules.
    const manifest = {
      name: "writepath-consumer",
      private: true,
      type: "module",
      dependencies: { ...deps, "@types/node": "^20.19.0" },
      overrides: deps,
    }
    writeFileSync(join(project, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`)
    for (const f of ["smoke.mjs", "typecheck.ts", "tsconfig.json"]) cpSync(join(here, f), join(project, f))
    run(`npm install (${tool} tarballs)`, "npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], project)
    const importTime = "const t0 = performance.now(); await import('@writepath/db'); console.log(Math.round(performance.now() - t0))"
    const ms = run(`node import time (${tool} tarballs)`, process.execPath, ["--input-type=module", "-e", importTime], project).trim()
    process.stdout.write(`consumer: import("@writepath/db") took ${ms} ms on Node (cold, one run)\n`)
    run(`node smoke (${tool} tarballs)`, process.execPath, ["smoke.mjs"], project)
    run(`bun smoke (${tool} tarballs)`, bin("bun"), ["smoke.mjs"], project)
    run(`deno smoke (${tool} tarballs)`, bin("deno"), ["run", "--allow-read", "--allow-write", "smoke.mjs"], project)
    const cli = join(project, "node_modules", ".bin", "writepath-db")
    const help = run(`writepath-db inspect --help (${tool} tarballs)`, cli, ["inspect", "--help"], project)
    if (!help.includes("describe a database folder")) throw new Error(`writepath-db inspect --help printed: ${help}`)
    run(
      `tsc strict typecheck (${tool} tarballs)`,
      process.execPath,
      [join(repo, "node_modules", "typescript", "bin", "tsc"), "-p", project],
      project,
    )
  }
} finally {
  if (keep) process.stdout.write(`consumer: kept ${work}\n`)
  else rmSync(work, { recursive: true, force: true })
}
