/**
 * Files the server creates are readable by their owner only: the process umask becomes
 * 077 before the database is opened (new folders 0700, new files 0600), and an existing
 * database folder is narrowed to 0700. Runs once at start-up, before KvStore's layer.
 */
import { chmodSync, existsSync } from "node:fs"
import { Effect, Layer } from "effect"

export const ownerOnlyFiles = (path: string): Layer.Layer<never> =>
  Layer.effectDiscard(
    Effect.sync(() => {
      process.umask(0o077)
      if (existsSync(path)) chmodSync(path, 0o700)
    }),
  )
