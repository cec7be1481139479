/**
 * Effect faces over the plain API: a thrown typed error becomes a typed failure, anything
 * else (a broken invariant) stays a defect instead of being dressed up as an IOError.
 */
import { Effect } from "effect"
import { IOError, WalClosed, WalCorruption, WalInvalidArgument, WalNotSupported } from "../WalError.ts"

type Typed = IOError | WalClosed | WalCorruption | WalInvalidArgument | WalNotSupported

const isTyped = (e: unknown): e is Typed =>
  e instanceof IOError ||
  e instanceof WalClosed ||
  e instanceof WalCorruption ||
  e instanceof WalInvalidArgument ||
  e instanceof WalNotSupported

export const trySync = <A, E extends Typed>(f: () => A): Effect.Effect<A, E> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(f())
    } catch (e) {
      return isTyped(e) ? Effect.fail(e as E) : Effect.die(e)
    }
  })

export const tryAsync = <A, E extends Typed>(f: () => Promise<A>): Effect.Effect<A, E> =>
  Effect.async<A, E>((resume) => {
    let p: Promise<A>
    try {
      p = f()
    } catch (e) {
      resume(isTyped(e) ? Effect.fail(e as E) : Effect.die(e))
      return
    }
    p.then(
      (a) => resume(Effect.succeed(a)),
      (e: unknown) => resume(isTyped(e) ? Effect.fail(e as E) : Effect.die(e)),
    )
  })
