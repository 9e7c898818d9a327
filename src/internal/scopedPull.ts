import type * as Arr from "effect/Array"
import * as Channel from "effect/Channel"
import type * as Effect from "effect/Effect"
import type * as Pull from "effect/Pull"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/**
 * A stream whose pull `open` makes when the stream starts, in the stream's
 * own scope (its finalizers run when the stream ends, however it ends).
 *
 * What `Stream.unwrap(Effect.map(open, Stream.fromPull))` does with one
 * channel instead of two: no second scope at the start and no extra Effect
 * step on every pull, which is most of what a short stream costs beyond its
 * rows.
 *
 * @internal
 */
export const fromScopedPull = <A, E, EX>(
  open: Effect.Effect<Pull.Pull<Arr.NonEmptyReadonlyArray<A>, E, void>, EX, Scope.Scope>
): Stream.Stream<A, Pull.ExcludeDone<E> | EX> =>
  Stream.fromChannel(Channel.fromTransform((_, scope) => Scope.provide(open, scope)))
