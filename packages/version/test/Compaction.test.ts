/**
 * pickCompaction / pickRangeCompaction on hand-made version states: the level-0 trigger, level
 * size scores, the compact pointer's round robin, level-0 overlap expansion, level n+1 overlap,
 * growing the level-n input, boundary files, grandparents and trivial moves.
 */
import { describe, expect, it } from "vitest"
import {
  compactionScores,
  maxBytesForLevel,
  pickCompaction,
  pickRangeCompaction,
  targetFileSizeForLevel,
  VersionInvalidArgument,
} from "../src/index.ts"
import { file, ik, stateOf, te } from "./support/compaction.ts"

const numbers = (files: ReadonlyArray<{ number: number }>): number[] => files.map((f) => f.number).sort((a, b) => a - b)
const small = { level0FileNumCompactionTrigger: 4, maxBytesForLevelBase: 10_000, maxBytesForLevelMultiplier: 10, targetFileSizeBase: 1000 }

describe("level sizes", () => {
  it("uses RocksDB's defaults: 256 MiB for level 1, x10 per level, 64 MiB files", () => {
    expect(maxBytesForLevel(1)).toBe(256 * 1024 * 1024)
    expect(maxBytesForLevel(3)).toBe(25600 * 1024 * 1024)
    expect(targetFileSizeForLevel(1)).toBe(64 * 1024 * 1024)
    expect(targetFileSizeForLevel(5, { targetFileSizeMultiplier: 2 })).toBe(16 * 64 * 1024 * 1024)
  })

  it("scores level 0 by file count and deeper levels by bytes, never the last level", () => {
    const s = stateOf([
      [file(1, "a", "b"), file(2, "c", "d")],
      [file(3, "a", "z", 15_000)],
      [file(4, "a", "z", 50_000)],
      [],
      [],
      [],
      [file(5, "a", "z", 1e12)],
    ])
    const scores = compactionScores(s, small)
    expect(scores).toHaveLength(6)
    expect(scores.slice(0, 3)).toEqual([0.5, 1.5, 0.5])
  })
})

describe("pickCompaction", () => {
  it("level 0 is picked at the file-count trigger, not before", () => {
    const three = [file(1, "a", "b"), file(2, "c", "d"), file(3, "e", "f")]
    expect(pickCompaction(stateOf([three]), small)).toBeUndefined()
    const c = pickCompaction(stateOf([[...three, file(4, "g", "h")]]), small)!
    expect([c.level, c.outputLevel, c.reason, c.score]).toEqual([0, 1, "level0FileNum", 1])
    // With no compact pointer the first file is picked; it overlaps no other level-0 file.
    expect(numbers(c.inputs[0])).toEqual([1])
  })

  it("picks the level with the highest score; ties go to the shallower level", () => {
    const s = stateOf([[file(1, "a", "b")], [file(2, "a", "c", 15_000)], [file(3, "a", "c", 200_000)]], {})
    const c = pickCompaction(s, small)!
    expect([c.level, c.reason, c.score]).toEqual([2, "levelSize", 2])
    const tie = stateOf([[], [file(2, "a", "c", 20_000)], [file(3, "a", "c", 200_000)]])
    expect(pickCompaction(tie, small)!.level).toBe(1)
    expect(pickCompaction(stateOf([[], [file(2, "a", "c", 9_999)]]), small)).toBeUndefined()
    expect(() => pickCompaction(stateOf([]), { level0FileNumCompactionTrigger: 0 })).toThrow(VersionInvalidArgument)
  })

  it("walks a level round robin after its compact pointer, wrapping at the end", () => {
    const l1 = [file(1, "a", "c", 4000), file(2, "d", "f", 4000), file(3, "g", "i", 4000)]
    const picked: number[] = []
    let pointer: Uint8Array | undefined
    for (let i = 0; i < 4; i++) {
      const c = pickCompaction(stateOf([[], l1], pointer ? { 1: pointer } : {}), small)!
      picked.push(c.inputs[0][0]!.number)
      expect(c.compactPointer).toEqual(c.inputs[0][0]!.largest)
      pointer = c.compactPointer
    }
    expect(picked).toEqual([1, 2, 3, 1])
  })

  it("level-0 input grows to every overlapping level-0 file, transitively, plus overlapping level-1 files", () => {
    const l0 = [file(1, "a", "c"), file(2, "b", "e"), file(3, "e", "g"), file(4, "x", "z")]
    const l1 = [file(10, "f", "h"), file(11, "i", "k"), file(12, "y", "y")]
    const c = pickCompaction(stateOf([l0, l1]), small)!
    expect(numbers(c.inputs[0])).toEqual([1, 2, 3])
    expect(numbers(c.inputs[1])).toEqual([10])
    expect(c.trivialMove).toBe(false)
    // The pointer is the largest key of the level-0 input: the next pick starts after it.
    expect(c.compactPointer).toEqual(ik("g", 1))
    const next = pickCompaction(stateOf([l0, l1], { 0: c.compactPointer }), small)!
    expect(numbers(next.inputs[0])).toEqual([4])
    expect(numbers(next.inputs[1])).toEqual([12])
  })

  it("grows the level-n input when that adds no level-n+1 file, within 25 target files of bytes", () => {
    const l1 = [file(1, "a", "b", 6000), file(2, "c", "d", 6000), file(3, "x", "y", 6000)]
    const l2 = [file(20, "a", "d", 500)]
    const c = pickCompaction(stateOf([[], l1, l2]), small)!
    expect(numbers(c.inputs[0])).toEqual([1, 2])
    expect(numbers(c.inputs[1])).toEqual([20])
    expect(c.compactPointer).toEqual(ik("d", 1))
    // Growing would pass 25 target files (25 * 100 bytes): stays at one file.
    const capped = pickCompaction(stateOf([[], l1, l2]), { ...small, maxBytesForLevelBase: 1000, targetFileSizeBase: 100 })!
    expect(numbers(capped.inputs[0])).toEqual([1])
    // Growing would add another level-2 file: stays at one file.
    const l2b = [file(20, "a", "b", 500), file(21, "c", "c", 500)]
    const d = pickCompaction(stateOf([[], [file(1, "a", "b", 6000), file(2, "c", "d", 6000)], l2b]), small)!
    expect(numbers(d.inputs[0])).toEqual([1])
    expect(numbers(d.inputs[1])).toEqual([20])
  })

  it("takes the boundary file that holds older versions of the input's last user key", () => {
    const f1 = { number: 1, fileSize: 6000, smallest: ik("a", 9), largest: ik("k", 5) }
    const f2 = { number: 2, fileSize: 6000, smallest: ik("k", 3), largest: ik("m", 1) }
    const c = pickCompaction(stateOf([[], [f1, f2]]), small)!
    expect(numbers(c.inputs[0])).toEqual([1, 2])
    expect(c.compactPointer).toEqual(ik("m", 1))
  })

  it("a single input without level n+1 overlap is a trivial move unless grandparents overlap too much", () => {
    const l1 = [file(1, "a", "c", 12_000)]
    const c = pickCompaction(stateOf([[], l1, [file(20, "d", "e")], [file(30, "a", "b", 10_000)]]), small)!
    expect(c.trivialMove).toBe(true)
    expect(numbers(c.grandparents)).toEqual([30])
    const heavy = pickCompaction(stateOf([[], l1, [], [file(30, "a", "b", 10_001)]]), small)!
    expect(heavy.trivialMove).toBe(false)
    const overlapping = pickCompaction(stateOf([[], l1, [file(20, "c", "e")]]), small)!
    expect(overlapping.trivialMove).toBe(false)
    expect(numbers(overlapping.inputs[1])).toEqual([20])
    // Level 0: a lone file that overlaps no other level-0 file nor level 1 moves too.
    const l0 = [file(1, "a", "b"), file(2, "c", "d"), file(3, "e", "f"), file(4, "g", "h")]
    expect(pickCompaction(stateOf([l0]), small)!.trivialMove).toBe(true)
  })
})

describe("pickRangeCompaction", () => {
  it("takes the overlapping files of a level, at most a target file of bytes beyond level 0, never moving trivially", () => {
    const l1 = [file(1, "a", "b", 600), file(2, "c", "d", 600), file(3, "e", "f", 600)]
    const c = pickRangeCompaction(stateOf([[], l1]), 1, te.encode("b"), te.encode("f"), small)!
    expect(numbers(c.inputs[0])).toEqual([1, 2])
    expect([c.reason, c.trivialMove]).toEqual(["manual", false])
    const l0 = [file(4, "a", "c"), file(5, "b", "z"), file(6, "y", "z")]
    expect(numbers(pickRangeCompaction(stateOf([l0]), 0, te.encode("a"), te.encode("a"), small)!.inputs[0])).toEqual([4, 5, 6])
    expect(pickRangeCompaction(stateOf([l0]), 1, undefined, undefined, small)).toBeUndefined()
    expect(() => pickRangeCompaction(stateOf([l0]), 6, undefined, undefined)).toThrow(VersionInvalidArgument)
  })
})
