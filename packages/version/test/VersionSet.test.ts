/**
 * VersionSet: create -> logAndApply -> recover, reopening into a new MANIFEST, CURRENT replaced
 * atomically, and the typed errors for bad CURRENT files, bad edits and misuse.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { LogWriter, makeNode } from "@writepath/wal"
import { afterAll, describe, expect, it } from "vitest"
import {
  encodeVersionEdit,
  recoverVersionSet,
  setCurrentFile,
  VersionCorruption,
  VersionInvalidArgument,
  VersionSet,
} from "../src/index.ts"

const root = fs.mkdtempSync(path.join(os.tmpdir(), "wp-version-"))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
let n = 0
const freshDir = (): string => path.join(root, `db${++n}`)
const ikey = (user: string, seq: number): Uint8Array => Uint8Array.from([...new TextEncoder().encode(user), 1, seq, 0, 0, 0, 0, 0, 0])

describe("VersionSet", () => {
  it("creates MANIFEST-000001 and CURRENT like LevelDB's NewDB", async () => {
    const dir = freshDir()
    const vs = await VersionSet.create(dir)
    await vs.close()
    expect(fs.readdirSync(dir).sort()).toEqual(["CURRENT", "MANIFEST-000001"])
    expect(fs.readFileSync(path.join(dir, "CURRENT"), "utf8")).toBe("MANIFEST-000001\n")
    const r = recoverVersionSet(dir)
    expect([r.comparator, r.logNumber, r.nextFileNumber, r.lastSequence, r.manifestNumber]).toEqual([
      "leveldb.BytewiseComparator",
      0,
      2,
      0,
      1,
    ])
  })

  it("records new and deleted files, numbers and sequences; recovery sees exactly what was synced", async () => {
    const dir = freshDir()
    const vs = await VersionSet.create(dir)
    const log = vs.newFileNumber()
    const t1 = vs.newFileNumber()
    const t2 = vs.newFileNumber()
    await vs.logAndApply({
      logNumber: log,
      lastSequence: 10,
      newFiles: [{ level: 0, number: t1, fileSize: 100, smallest: ikey("a", 1), largest: ikey("c", 2) }],
    })
    await vs.logAndApply({
      lastSequence: 20,
      newFiles: [{ level: 0, number: t2, fileSize: 200, smallest: ikey("b", 3), largest: ikey("d", 4) }],
    })
    await vs.logAndApply({
      deletedFiles: [{ level: 0, number: t1 }],
      newFiles: [{ level: 1, number: t1 + 100, fileSize: 5, smallest: ikey("a", 1), largest: ikey("a", 1) }],
    })
    expect(vs.state.files[0]!.map((f) => f.number)).toEqual([t2])
    await vs.close()
    const r = recoverVersionSet(dir)
    expect(r.logNumber).toBe(log)
    expect(r.lastSequence).toBe(20)
    expect(r.nextFileNumber).toBe(t2 + 1)
    expect(r.files[0]!.map((f) => [f.number, f.fileSize])).toEqual([[t2, 200]])
    expect(r.files[1]!.map((f) => f.number)).toEqual([t1 + 100])
  })

  it("open continues in a new MANIFEST named by CURRENT and removes the old one", async () => {
    const dir = freshDir()
    const vs = await VersionSet.create(dir)
    const t = vs.newFileNumber()
    await vs.logAndApply({
      lastSequence: 7,
      newFiles: [{ level: 0, number: t, fileSize: 1, smallest: ikey("a", 1), largest: ikey("a", 1) }],
    })
    await vs.close()
    const vs2 = await VersionSet.open(dir)
    expect(vs2.manifestNumber).toBe(t + 1)
    await vs2.close()
    expect(fs.readdirSync(dir).sort()).toEqual(["CURRENT", `MANIFEST-${String(t + 1).padStart(6, "0")}`])
    const r = recoverVersionSet(dir)
    expect(r.files[0]!.map((f) => f.number)).toEqual([t])
    expect(r.lastSequence).toBe(7)
    expect(r.nextFileNumber).toBe(t + 2)
  })

  it("refuses log numbers going backwards or never allocated, and files added twice", async () => {
    const vs = await VersionSet.create(freshDir())
    await expect(vs.logAndApply({ logNumber: 99 })).rejects.toBeInstanceOf(VersionInvalidArgument)
    const t = vs.newFileNumber()
    const f = { level: 0, number: t, fileSize: 1, smallest: ikey("a", 1), largest: ikey("a", 1) }
    await vs.logAndApply({ logNumber: t, newFiles: [f] })
    await expect(vs.logAndApply({ newFiles: [f] })).rejects.toThrow(/already live/)
    await expect(vs.logAndApply({ logNumber: t - 1 })).rejects.toThrow(/log number/)
    await vs.close()
  })

  it("CURRENT is replaced through a synced temp file: no temp left behind", async () => {
    const dir = freshDir()
    await (await VersionSet.create(dir)).close()
    setCurrentFile(dir, 1)
    expect(fs.readdirSync(dir).filter((x) => x.endsWith(".dbtmp"))).toEqual([])
  })

  it("bad CURRENT files and MANIFESTs are VersionCorruption", async () => {
    const dir = freshDir()
    await (await VersionSet.create(dir)).close()
    fs.writeFileSync(path.join(dir, "CURRENT"), "MANIFEST-000001")
    expect(() => recoverVersionSet(dir)).toThrow(/does not end with newline/)
    // A MANIFEST without a next-file entry.
    const w = new LogWriter(makeNode().openWritable(path.join(dir, "MANIFEST-000009")), { logNumber: 9 })
    w.addRecord(encodeVersionEdit({ comparator: "leveldb.BytewiseComparator", logNumber: 1, lastSequence: 1 }))
    await w.close()
    setCurrentFile(dir, 9)
    expect(() => recoverVersionSet(dir)).toThrow(/no meta-nextfile entry/)
    // Another comparator.
    const w2 = new LogWriter(makeNode().openWritable(path.join(dir, "MANIFEST-000010")), { logNumber: 10 })
    w2.addRecord(encodeVersionEdit({ comparator: "rocksdb.ReverseBytewiseComparator", logNumber: 1, nextFileNumber: 11, lastSequence: 1 }))
    await w2.close()
    setCurrentFile(dir, 10)
    expect(() => recoverVersionSet(dir)).toThrow(VersionCorruption)
    // A flipped bit in the MANIFEST.
    const bytes = fs.readFileSync(path.join(dir, "MANIFEST-000001"))
    bytes[10]! ^= 1
    fs.writeFileSync(path.join(dir, "MANIFEST-000001"), bytes)
    setCurrentFile(dir, 1)
    expect(() => recoverVersionSet(dir)).toThrow(/checksum mismatch/)
  })
})
