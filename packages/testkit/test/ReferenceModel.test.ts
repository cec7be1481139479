import { describe, expect, it } from "vitest"
import { ReferenceModel } from "../src/ReferenceModel.ts"

describe("ReferenceModel", () => {
  it("reads at snapshots, honours deletes and range deletes", () => {
    const m = new ReferenceModel()
    m.apply([
      { op: "put", key: "a", value: "1" },
      { op: "put", key: "b", value: "2" },
    ]) // seq 1, 2
    const s2 = m.lastSequence
    m.apply([{ op: "delete", key: "a" }]) // 3
    m.apply([{ op: "deleteRange", start: "a", end: "c" }]) // 4
    m.apply([{ op: "put", key: "b", value: "3" }]) // 5
    expect(s2).toBe(2)
    expect(m.get("a", s2)).toBe("1")
    expect(m.get("a")).toBeUndefined()
    expect(m.get("b", 4)).toBeUndefined()
    expect(m.get("b")).toBe("3")
    expect(m.entries({}, s2)).toEqual([
      ["a", "1"],
      ["b", "2"],
    ])
    expect(m.entries({ gt: "a", reverse: true })).toEqual([["b", "3"]])
  })

  it("orders keys bytewise, not by UTF-16", () => {
    const m = new ReferenceModel()
    m.apply([
      { op: "put", key: Uint8Array.of(0xff), value: "hi" },
      { op: "put", key: Uint8Array.of(0x01), value: "lo" },
      { op: "put", key: "é", value: "mid" }, // 0xc3 0xa9
    ])
    expect(m.entries().map(([, v]) => v)).toEqual(["lo", "mid", "hi"])
  })
})
