import { defineConfig } from "vitest/config"

// One project per package/app that has tests; each runs its own test/ folder.
const projects = ["batch", "wal", "memtable", "core-queue", "strategies", "db", "testkit", "table", "version", "inspect"].map((name) => ({
  extends: true as const,
  // Engine tests open databases whose strategies start worker threads (seconds on a loaded 2-core machine).
  test: { name, root: `packages/${name}`, include: ["test/**/*.test.ts"], testTimeout: name === "db" ? 60_000 : 5_000 },
}))

export default defineConfig({
  test: {
    projects: [
      ...projects,
      { extends: true as const, test: { name: "compare", root: "apps/compare", include: ["test/**/*.test.ts"] } },
      { extends: true as const, test: { name: "conformance", root: "conformance", include: ["test/**/*.test.ts"] } },
    ],
    passWithNoTests: true,
  },
})
