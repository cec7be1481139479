/**
 * Run by sqliteRuntimes.test.ts under Node, Bun and Deno: the sqlite engine on this
 * runtime's binding, one sync put, a get and a scan, printed as one JSON line.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { sqlite, sqliteBinding } from "../src/engines/sqlite.ts"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "compare-sqlite-"))
try {
  const skip = await sqlite.probe()
  if (skip !== null) {
    console.log(JSON.stringify({ binding: sqliteBinding(), skip }))
  } else {
    const db = await sqlite.open(dir, { sync: true, writers: 1 })
    const enc = new TextEncoder()
    await db.put(enc.encode("key-0001"), enc.encode("value-1"), { sync: true })
    await db.put(enc.encode("key-0002"), enc.encode("value-2"), { sync: true })
    const got = await db.get?.(enc.encode("key-0002"))
    const missing = await db.get?.(enc.encode("key-9999"))
    const scanned = await db.scan?.(enc.encode("key-0000"), enc.encode("key-0003"), 10)
    await db.close()
    console.log(
      JSON.stringify({
        binding: sqliteBinding(),
        skip,
        got: got === undefined ? null : new TextDecoder().decode(got),
        missing: missing === undefined,
        scanned,
        wal: fs.existsSync(path.join(dir, "kv.sqlite-wal")) || fs.existsSync(path.join(dir, "kv.sqlite")),
      }),
    )
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
