import type { SequencerImpl, Writer } from "../../src/index.ts"

/** Count every state a writer is given (an accessor over the `state` field). */
export const countStates = (w: Writer): Map<number, number> => {
  const counts = new Map<number, number>()
  let state = w.state
  Object.defineProperty(w, "state", {
    get: () => state,
    set: (v: number) => {
      state = v
      counts.set(v, (counts.get(v) ?? 0) + 1)
    },
  })
  return counts
}

/** Record every publication. */
export const spyPublish = (seq: SequencerImpl): number[] => {
  const published: number[] = []
  const publish = seq.publish.bind(seq)
  seq.publish = (s: number) => {
    published.push(s)
    publish(s)
  }
  return published
}
