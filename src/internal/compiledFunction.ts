/**
 * A function written out as code, for the few hot loops where a loop over
 * columns leaves V8 one megamorphic read and call site per column (bulk
 * binding, in-place row checks): written out, each column gets its own.
 * Only literals the caller made safe (JSON strings) enter `body`; every
 * function it calls is passed in by name. `undefined` where the runtime
 * refuses code generation (`--disallow-code-generation-from-strings`, a
 * Content Security Policy): the caller then keeps its loop.
 *
 * @internal
 */
export const compiledFunction = <F>(
  names: ReadonlyArray<string>,
  body: string,
  values: ReadonlyArray<unknown>
): F | undefined => {
  try {
    return new Function(...names, `"use strict"; return ${body}`)(...values) as F
  } catch {
    return undefined
  }
}
