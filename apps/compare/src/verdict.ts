/**
 * A comparison of two rows that says no more than their rounds support: "ahead" only when
 * the subject's worst round beats the other's best, "behind" only when its best round is
 * below the other's worst, "within noise" when the ranges overlap. One round is one sample:
 * no verdict.
 */

export type Verdict = "ahead" | "behind" | "within noise" | "one round"

export interface Ranged {
  readonly opsPerSecMin: number
  readonly opsPerSecMax: number
  readonly rounds: readonly number[]
}

export const rangeVerdict = (subject: Ranged, other: Ranged): Verdict => {
  if (subject.rounds.length < 2 || other.rounds.length < 2) return "one round"
  if (subject.opsPerSecMin > other.opsPerSecMax) return "ahead"
  if (subject.opsPerSecMax < other.opsPerSecMin) return "behind"
  return "within noise"
}
