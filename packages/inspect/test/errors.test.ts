/**
 * The folders inspect refuses to describe, each with its typed error naming the problem and
 * the path: missing, not a folder, not a database, corrupt CURRENT, corrupt MANIFEST. A folder
 * with only WALs or only IDENTITY is a database (writepath before its first flush).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { encodeVersionEdit } from "@writepath/version"
import { LogWriter, makeNode } from "@writepath/wal"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { InspectCorruption, InspectFolderMissing, InspectNotADatabase, InspectNotAFolder } from "../src/InspectError.ts"
import { inspectFolder } from "../src/inspectFolder.ts"
import { batchAt, buildFlushedFolder, copyFolder, writeWal } from "./folders.ts"

let root: string
let flushed: string
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "db-inspect-errors-"))
  flushed = path.join(root, "flushed")
  await buildFlushedFolder(flushed)
})
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

/** The error inspectFolder throws for `dir` (fails the test if it returns). */
const errorOf = (dir: string): unknown => {
  try {
    inspectFolder(dir)
  } catch (e) {
    return e
  }
  throw new Error(`inspectFolder(${dir}) did not throw`)
}

describe("folders that are not databases", () => {
  it("a missing folder, and a path under a file", () => {
    const missing = path.join(root, "nope")
    expect(errorOf(missing)).toEqual(new InspectFolderMissing({ path: missing }))
    fs.writeFileSync(path.join(root, "a-file"), "x")
    expect(errorOf(path.join(root, "a-file", "db"))).toBeInstanceOf(InspectFolderMissing)
  })

  it("a file", () => {
    const file = path.join(root, "file")
    fs.writeFileSync(file, "x")
    const e = errorOf(file)
    expect(e).toEqual(new InspectNotAFolder({ path: file }))
    expect((e as Error).message).toBe(`Invalid argument: ${file} is not a folder`)
  })

  it("a folder with none of CURRENT, a WAL, IDENTITY (a LOCK or a table alone do not make a database)", () => {
    const dir = path.join(root, "empty")
    fs.mkdirSync(dir)
    fs.writeFileSync(path.join(dir, "LOCK"), "")
    fs.copyFileSync(path.join(flushed, "000004.ldb"), path.join(dir, "000004.ldb"))
    const e = errorOf(dir)
    expect(e).toBeInstanceOf(InspectNotADatabase)
    expect((e as Error).message).toContain(dir)
  })

  it("a relative path is reported as an absolute one", () => {
    const e = errorOf(path.relative(process.cwd(), path.join(root, "nope2")))
    expect((e as InspectFolderMissing).path).toBe(path.join(root, "nope2"))
  })

  it("only a WAL, or only IDENTITY, is a database (writepath before it kept a MANIFEST)", async () => {
    const walOnly = path.join(root, "wal-only")
    fs.mkdirSync(walOnly)
    await writeWal(walOnly, 3, [batchAt(1, (b) => b.put("k", "v"))])
    expect(inspectFolder(walOnly).wals).toMatchObject([{ number: 3, records: 1, obsolete: false }])
    const identityOnly = path.join(root, "identity-only")
    fs.mkdirSync(identityOnly)
    fs.writeFileSync(path.join(identityOnly, "IDENTITY"), "id\n")
    expect(inspectFolder(identityOnly)).toMatchObject({ identity: "id", manifest: null, wals: [] })
  })
})

describe("corrupt CURRENT or MANIFEST", () => {
  const corruption = (dir: string): InspectCorruption => {
    const e = errorOf(dir)
    expect(e).toBeInstanceOf(InspectCorruption)
    return e as InspectCorruption
  }

  it("CURRENT without its newline, or naming something that is not a MANIFEST", () => {
    const dir = copyFolder(flushed, path.join(root, "bad-current"))
    fs.writeFileSync(path.join(dir, "CURRENT"), "MANIFEST-000001")
    expect(corruption(dir)).toMatchObject({ path: path.join(dir, "CURRENT"), reason: "CURRENT file does not end with newline" })
    fs.writeFileSync(path.join(dir, "CURRENT"), "000004.ldb\n")
    expect(corruption(dir).reason).toBe('CURRENT names no MANIFEST: "000004.ldb"')
  })

  it("CURRENT naming a MANIFEST that does not exist", () => {
    const dir = copyFolder(flushed, path.join(root, "dangling-current"))
    fs.writeFileSync(path.join(dir, "CURRENT"), "MANIFEST-000042\n")
    const e = corruption(dir)
    expect(e).toMatchObject({ path: path.join(dir, "CURRENT"), reason: "CURRENT names MANIFEST-000042, which does not exist" })
    expect(e.message).toBe(`Corruption: CURRENT names MANIFEST-000042, which does not exist (${path.join(dir, "CURRENT")})`)
  })

  it("a flipped byte in the MANIFEST", () => {
    const dir = copyFolder(flushed, path.join(root, "flipped-manifest"))
    const manifest = path.join(dir, "MANIFEST-000001")
    const bytes = fs.readFileSync(manifest)
    bytes[20] = bytes[20]! ^ 0x01
    fs.writeFileSync(manifest, bytes)
    expect(corruption(dir)).toMatchObject({ path: manifest, reason: "checksum mismatch at offset 0" })
  })

  it("a truncated MANIFEST (absolute consistency, as recovery reads it)", () => {
    const dir = copyFolder(flushed, path.join(root, "torn-manifest"))
    const manifest = path.join(dir, "MANIFEST-000001")
    fs.truncateSync(manifest, fs.statSync(manifest).size - 5)
    expect(corruption(dir).reason).toMatch(/^truncated record body at offset \d+$/)
  })

  it("a MANIFEST whose records lack a required counter, or hold an undecodable edit", async () => {
    const dir = path.join(root, "no-counters")
    fs.mkdirSync(dir)
    fs.writeFileSync(path.join(dir, "CURRENT"), "MANIFEST-000001\n")
    const writeManifest = async (records: ReadonlyArray<Uint8Array>) => {
      const w = new LogWriter(makeNode().openWritable(path.join(dir, "MANIFEST-000001")), { logNumber: 1 })
      for (const r of records) w.addRecord(r)
      await w.close()
    }
    await writeManifest([encodeVersionEdit({ comparator: "leveldb.BytewiseComparator", logNumber: 0, lastSequence: 0 })])
    expect(corruption(dir).reason).toBe("no meta-nextfile entry in descriptor")
    await writeManifest([encodeVersionEdit({ logNumber: 0, nextFileNumber: 2, lastSequence: 0 }), Uint8Array.of(8, 1)])
    // Tag 8 (LevelDB's retired large-value refs) in the second record: 7-byte header + 6-byte edit before it.
    expect(corruption(dir).reason).toBe("VersionEdit: unknown tag (record at offset 13)")
    await writeManifest([encodeVersionEdit({ comparator: "other.Comparator", logNumber: 0, nextFileNumber: 2, lastSequence: 0 })])
    expect(corruption(dir).reason).toBe("other.Comparator does not match existing comparator leveldb.BytewiseComparator")
  })
})
