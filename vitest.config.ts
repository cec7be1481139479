import { defineConfig } from "vitest/config"

// One project per package/app that has tests; each runs its own test/ folder.
const projects = ["batch", "wal", "memtable", "core-queue", "strategies", "db", "testkit"].map((name) => ({
  extends: true as const,
  test: { name, root: `packages/${name}`, include: ["test/**/*.test.ts"] },
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
