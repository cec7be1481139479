/**
 * The crash loop's writer process: opens the database with small memtables (so switches
 * happen) and runs `writers` concurrent writers on the workload of ops.ts until it is
 * killed. It reports on stdout through reportLine (report.ts), which returns only once the
 * line is in the kernel's buffer, so a line is out before the next operation starts and
 * survives the SIGKILL (process.stdout.write does not guarantee that: see report.ts):
 *
 *   ready <lastSequence>          opened and recovered
 *   ack <w> <n>                   writer w's op n resolved (printed only after that)
 *   prepared <w> <n>              the prepare of writer w's txn op n resolved
 *   sync-start <path>             a WAL fdatasync began (the driver may kill now: mid-fsync)
 *   synced <path> <bytes>         a WAL fdatasync succeeded covering the first <bytes> bytes
 *   wal-open <path>               a WAL file was created (the driver may kill now: mid-switch)
 *
 *   writer.ts <dir> <strategy> <seed> <iteration> <writers> <transactions 0|1>
 */
import { type LogFileService, makeNode } from "@writepath/wal"
import { type OpenOptions, open } from "../../src/index.ts"
import { keyOf, opStream } from "./ops.ts"
import { reportLine } from "./report.ts"

const [dir, strategy, seedArg, iterationArg, writersArg, txnArg] = process.argv.slice(2)
const seed = Number(seedArg)
const iteration = Number(iterationArg)
const writers = Number(writersArg)
const withTransactions = txnArg === "1"
const out = (line: string): void => {
  reportLine(1, line)
}

/** node:fs WAL files that report their syncs and creations. */
const reporting = (inner: LogFileService): LogFileService => ({
  openWritable(path, options) {
    const f = inner.openWritable(path, options)
    out(`wal-open ${path}`)
    const synced = (p: Promise<void>, bytes: number): Promise<void> =>
      p.then(() => {
        out(`synced ${path} ${bytes}`)
      })
    return {
      path: f.path,
      append: (data, start, end) => f.append(data, start, end),
      size: () => f.size(),
      datasync() {
        const bytes = f.size()
        out(`sync-start ${path}`)
        return synced(f.datasync(), bytes)
      },
      fsync() {
        const bytes = f.size()
        out(`sync-start ${path}`)
        return synced(f.fsync(), bytes)
      },
      close: () => f.close(),
    }
  },
  openReadable: (path) => inner.openReadable(path),
})

const db = await open(
  {
    path: dir,
    strategy,
    writeBufferSize: 64 * 1024,
    // Small memtables: switches, flushes and compactions happen all through the run, so kills
    // land inside them too.
    maxWriteBufferNumber: 4,
    level0FileNumCompactionTrigger: 2,
    ...(strategy === "concurrent-memtable" ? { concurrentMemtableWorkers: 1 } : {}),
  } as OpenOptions, // path and strategy come from argv: open validates them
  { logFile: reporting(makeNode({ syncOn: "threadpool" })) },
)
out(`ready ${db.stats().lastSequence}`)

const writer = async (w: number): Promise<void> => {
  const next = opStream(seed, iteration, w, withTransactions)
  const key = (k: number): string => keyOf(iteration, w, k)
  for (;;) {
    const op = next()
    switch (op.kind) {
      case "put":
        await db.put(key(op.key), op.value, { sync: op.sync })
        break
      case "delete":
        await db.delete(key(op.key), { sync: op.sync })
        break
      case "deleteRange":
        await db.deleteRange(key(op.from), key(op.to), { sync: op.sync })
        break
      case "batch": {
        const b = db.batch()
        for (const u of op.mutations) {
          if (u.value === undefined) b.delete(key(u.key))
          else b.put(key(u.key), u.value)
        }
        await db.write(b, { sync: op.sync })
        break
      }
      case "txn": {
        const t = db.beginTransaction({ name: op.name, writeOptions: { sync: true } })
        for (const u of op.mutations) t.put(key(u.key), u.value!)
        await t.prepare()
        out(`prepared ${w} ${op.n}`)
        await (op.commit ? t.commit() : t.rollback())
        break
      }
    }
    out(`ack ${w} ${op.n}`)
  }
}

await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)))
