#!/usr/bin/env node
/**
 * The published manifest of a workspace package, for `npm pack` / `npm publish` as well as
 * pnpm's. Inside the workspace a package's `exports` point at its TypeScript source (tests,
 * Bun and Deno run it without a build); the tarball must point at `dist`. pnpm applies
 * `publishConfig.exports` itself, npm does not: so `prepack` rewrites package.json into the
 * published form and `postpack` puts the workspace form back.
 *
 *   node ../../scripts/packManifest.mjs write     (prepack, in the package folder)
 *   node ../../scripts/packManifest.mjs restore   (postpack)
 *
 * Invariants: 1. `write` keeps the workspace manifest byte for byte in package.json.workspace
 * and `restore` puts exactly those bytes back; 2. `write` after an interrupted pack (the
 * backup still there) starts from the backup, never from a rewritten manifest; 3. the
 * published manifest has no `workspace:` or `link:` range, no scripts, no publishConfig
 * fields npm would not apply, and every `exports` target it names exists (a tarball that
 * cannot be imported is refused here, not found by a user).
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"

const MANIFEST = "package.json"
const BACKUP = "package.json.workspace"

const fail = (message) => {
  process.stderr.write(`packManifest: ${message}\n`)
  process.exit(1)
}

/** Every file path an exports map (or bin map) names. */
const targets = (node) => {
  if (typeof node === "string") return node.includes("*") ? [] : [node]
  if (node === null || typeof node !== "object") return []
  return Object.values(node).flatMap(targets)
}

const publishedManifest = (workspace) => {
  const { publishConfig = {}, scripts: _scripts, ...rest } = workspace
  const { exports, bin, ...registryConfig } = publishConfig
  const published = { ...rest, ...(exports === undefined ? {} : { exports }), ...(bin === undefined ? {} : { bin }) }
  if (Object.keys(registryConfig).length > 0) published.publishConfig = registryConfig
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies", "devDependencies"]) {
    for (const [name, range] of Object.entries(published[field] ?? {})) {
      if (/^(workspace|link|file):/.test(range)) fail(`${field}.${name} is "${range}": use a version range (npm cannot install it)`)
    }
  }
  for (const target of [...targets(published.exports), ...targets(published.bin)]) {
    if (!existsSync(target)) fail(`${target} does not exist: build the package first (tsc -b)`)
  }
  return published
}

const mode = process.argv[2]
if (mode === "write") {
  const text = readFileSync(existsSync(BACKUP) ? BACKUP : MANIFEST, "utf8")
  const published = publishedManifest(JSON.parse(text)) // exits before anything is written
  if (!existsSync(BACKUP)) writeFileSync(BACKUP, text)
  writeFileSync(MANIFEST, `${JSON.stringify(published, null, 2)}\n`)
} else if (mode === "restore") {
  if (existsSync(BACKUP)) {
    rmSync(MANIFEST, { force: true })
    renameSync(BACKUP, MANIFEST)
  }
} else {
  fail(`usage: packManifest.mjs write|restore (got ${mode ?? "nothing"})`)
}
