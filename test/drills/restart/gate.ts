/**
 * Whether the PostgreSQL restart drill runs: it stops the machine's server,
 * so only when asked (EFFECT_SQLSERVICE_RESTART_DRILL=1, which `.ci/run`
 * sets), and under CI=true a drill that was asked for but cannot run is a
 * failure, never a silent skip.
 */
/** Set to 1 to run the drill. */
export const restartDrillVariable = "EFFECT_SQLSERVICE_RESTART_DRILL"

export type RestartDrillGate =
  | { readonly decision: "run" }
  | { readonly decision: "skip"; readonly why: string }
  | { readonly decision: "fail"; readonly why: string }

export interface RestartDrillConditions {
  /** EFFECT_SQLSERVICE_RESTART_DRILL=1. */
  readonly asked: boolean
  /** CI=true. */
  readonly ci: boolean
  /** Why this process cannot stop and start the server, if it cannot. */
  readonly cannotRestart: string | undefined
  /** Whether PostgreSQL answers. */
  readonly serverUp: boolean
}

export const restartDrillGate = (conditions: RestartDrillConditions): RestartDrillGate => {
  if (!conditions.asked) {
    return { decision: "skip", why: "not asked for: set EFFECT_SQLSERVICE_RESTART_DRILL=1 (it stops and starts PostgreSQL)" }
  }
  const problem = conditions.cannotRestart ??
    (conditions.serverUp ? undefined : "PostgreSQL does not answer, so there is no running server to restart")
  if (problem === undefined) return { decision: "run" }
  return conditions.ci
    ? { decision: "fail", why: `the restart drill was asked for with CI=true but cannot run: ${problem}` }
    : { decision: "skip", why: `the restart drill cannot run here: ${problem}` }
}
