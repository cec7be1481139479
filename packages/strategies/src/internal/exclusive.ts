import { Writer, type WriteThreadImpl } from "@writepath/core-queue"

/**
 * Runs `f` owning every given queue with no group active (`EnterUnbatched` on each, in
 * order; in pipelined mode the main queue also drains its memtable stage). YIELDS while
 * waiting for ownership and inside `f`.
 */
export const exclusive = async <A>(queues: ReadonlyArray<WriteThreadImpl>, f: () => A | Promise<A>): Promise<A> => {
  const entered: Array<readonly [WriteThreadImpl, Writer]> = []
  try {
    for (const wt of queues) {
      const w = new Writer(undefined)
      const wait = wt.enterUnbatched(w)
      entered.push([wt, w])
      if (wait !== undefined) await wait
    }
    return await f()
  } finally {
    for (const [wt, w] of entered.reverse()) wt.exitUnbatched(w)
  }
}
