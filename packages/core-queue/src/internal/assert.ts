/**
 * Invariant checks. A failure is a defect in the queue protocol (or in a strategy that
 * breaks a REQUIRES clause), never an expected outcome: it throws, which inside Effect
 * code becomes a die, not a typed failure.
 */
export class QueueInvariantViolation extends Error {
  override readonly name = "QueueInvariantViolation"
}

export const invariant: (cond: unknown, what: string) => asserts cond = (cond, what) => {
  if (!cond) throw new QueueInvariantViolation(`WriteThread invariant broken: ${what}`)
}
