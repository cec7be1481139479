import { defineConfig } from "vitest/config"

// One project per package/app that has tests; each runs its own test/ folder.
const projects = ["batch", "wal", "memtable", "core-queue", "strategies", "db", "testkit", "table", "version", "level", "inspect"].map(
  (name) => ({
    extends: true as const,
    // Engine tests open databases whose strategies start worker threads (seconds on a loaded 2-core machine);
    // level runs abstract-level's whole suite (hundreds of databases) per strategy.
    test: {
      name,
      root: `packages/${name}`,
      include: ["test/**/*.test.ts"],
      testTimeout: name === "level" ? 900_000 : name === "db" || name === "strategies" ? 60_000 : 5_000,
    },
  }),
)

export default defineConfig({
  test: {
    projects: [
      ...projects,
      { extends: true as const, test: { name: "compare", root: "apps/compare", include: ["test/**/*.test.ts"] } },
      // Real server processes (spawned, started, killed): seconds each on a loaded 2-core machine.
      {
        extends: true as const,
        test: { name: "kv-server", root: "apps/kv-server", include: ["test/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 120_000 },
      },
      { extends: true as const, test: { name: "conformance", root: "conformance", include: ["test/**/*.test.ts"] } },
    ],
    passWithNoTests: true,
  },
})
