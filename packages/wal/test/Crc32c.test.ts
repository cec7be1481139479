/** RocksDB's util/crc32c_test.cc: the standard results (RFC 3720 B.4) and the mask. */
import { describe, expect, it } from "vitest"
import { Crc32c } from "../src/index.ts"

describe("CRC32C", () => {
  it("StandardResults", () => {
    expect(Crc32c.value(new Uint8Array(32))).toBe(0x8a9136aa)
    expect(Crc32c.value(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43)
    expect(Crc32c.value(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e)
    expect(Crc32c.value(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c)
    // An iSCSI SCSI Read (10) command PDU.
    const iscsi = new Uint8Array(48)
    for (const [at, v] of [
      [0, 0x01],
      [1, 0xc0],
      [16, 0x14],
      [22, 0x04],
      [27, 0x14],
      [31, 0x18],
      [32, 0x28],
      [40, 0x02],
    ] as const)
      iscsi[at] = v
    expect(Crc32c.value(iscsi)).toBe(0xd9963a56)
  })

  it("Values: different inputs give different CRCs", () => {
    const enc = new TextEncoder()
    expect(Crc32c.value(enc.encode("a"))).not.toBe(Crc32c.value(enc.encode("foo")))
  })

  it("Extend", () => {
    const enc = new TextEncoder()
    expect(Crc32c.value(enc.encode("hello world"))).toBe(Crc32c.extend(Crc32c.value(enc.encode("hello ")), enc.encode("world")))
  })

  it("Mask", () => {
    const crc = Crc32c.value(new TextEncoder().encode("foo"))
    expect(Crc32c.mask(crc)).not.toBe(crc)
    expect(Crc32c.mask(Crc32c.mask(crc))).not.toBe(crc)
    expect(Crc32c.unmask(Crc32c.mask(crc))).toBe(crc)
    expect(Crc32c.unmask(Crc32c.unmask(Crc32c.mask(Crc32c.mask(crc))))).toBe(crc)
  })

  it("ranges: value(data, start, end) equals value of the slice, at every alignment", () => {
    const data = Uint8Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff)
    for (let s = 0; s < 20; s++) for (let e = s; e <= 100; e += 7) expect(Crc32c.value(data, s, e)).toBe(Crc32c.value(data.slice(s, e)))
  })
})
