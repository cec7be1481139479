/** How keys are shown: printable ASCII as text, anything else as hex; internal-key trailers split exactly. */
import { describe, expect, it } from "vitest"
import { internalKey, printableKey, typeName } from "../src/printableKey.ts"

/** user key | fixed64 LE (sequence << 8 | type), built with BigInt so large sequences are exact. */
const ikey = (user: Uint8Array, sequence: bigint, type: number): Uint8Array => {
  const out = new Uint8Array(user.length + 8)
  out.set(user)
  new DataView(out.buffer).setBigUint64(user.length, (sequence << 8n) | BigInt(type), true)
  return out
}

describe("printableKey", () => {
  it("printable ASCII is utf8, including its edges and the empty key", () => {
    expect(printableKey(new TextEncoder().encode(' ~key"\\'))).toEqual({ utf8: ' ~key"\\' })
    expect(printableKey(new Uint8Array(0))).toEqual({ utf8: "" })
  })

  it("a control byte, DEL, or any non-ASCII byte (valid UTF-8 included) makes the whole key hex", () => {
    expect(printableKey(Uint8Array.of(0x61, 0x1f))).toEqual({ hex: "611f" })
    expect(printableKey(Uint8Array.of(0x7f))).toEqual({ hex: "7f" })
    expect(printableKey(new TextEncoder().encode("é"))).toEqual({ hex: "c3a9" })
  })

  it("reads only the view it is given", () => {
    const backing = Uint8Array.of(0, 0x61, 0x62, 0)
    expect(printableKey(backing.subarray(1, 3))).toEqual({ utf8: "ab" })
  })
})

describe("internalKey", () => {
  it("splits user key, sequence and type", () => {
    expect(internalKey(ikey(new TextEncoder().encode("k"), 4573n, 1))).toEqual({
      user: { utf8: "k" },
      sequence: 4573,
      type: 1,
      typeName: "Put",
    })
    expect(internalKey(ikey(Uint8Array.of(0xff), 7n, 0x0f))).toEqual({
      user: { hex: "ff" },
      sequence: 7,
      type: 15,
      typeName: "DeleteRange",
    })
  })

  it("is exact for sequences above 2^32 (the high word of the trailer)", () => {
    const seq = 2n ** 40n + 5n
    expect(internalKey(ikey(new Uint8Array(0), seq, 0))).toMatchObject({ sequence: Number(seq), typeName: "Delete" })
    const max = 2n ** 53n - 1n
    expect(internalKey(ikey(Uint8Array.of(0x61), max, 7))).toMatchObject({ sequence: Number.MAX_SAFE_INTEGER, typeName: "SingleDelete" })
  })

  it("a key shorter than its trailer is shown whole as invalid", () => {
    expect(internalKey(Uint8Array.of(0x61, 0x62, 0x63))).toEqual({ invalid: { utf8: "abc" } })
  })

  it("names unknown types by number", () => {
    expect(typeName(2)).toBe("Merge")
    expect(typeName(0x42)).toBe("type 66")
  })
})
