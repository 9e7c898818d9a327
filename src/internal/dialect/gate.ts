/**
 * The right to hold one of `permits` connections: waiters queue in order,
 * each for at most `timeout` ms, and closing the gate fails every waiter at
 * once. Callback-based, because PostgreSQL's per-statement path runs
 * checkout to release in one callback chain.
 *
 * Both drivers wait here, so a full pool and SQLite's busy connection fail
 * the same way, and closing the database ends every wait.
 *
 * @internal
 */
export class Gate {
  private available: number
  private readonly waiters = new Set<Waiter>()
  private closedWith: Error | undefined

  constructor(
    permits: number,
    /** How long a request may wait, in ms; undefined: for ever. */
    private readonly timeout: number | undefined,
    private readonly onTimeout: () => Error
  ) {
    this.available = permits
  }

  /**
   * Calls `granted` with no error once a permit is held (synchronously when
   * one is free), or with the reason none will be. Returns a function that
   * withdraws the request while it still waits; once granted, the permit
   * must be given back with `release`.
   */
  acquire(granted: (error?: Error) => void): () => void {
    if (this.closedWith !== undefined) {
      granted(this.closedWith)
      return noop
    }
    if (this.available > 0) {
      this.available--
      granted()
      return noop
    }
    const waiter: Waiter = {
      granted,
      timer: this.timeout === undefined ? undefined : setTimeout(() => {
        if (this.waiters.delete(waiter)) granted(this.onTimeout())
      }, this.timeout)
    }
    this.waiters.add(waiter)
    return () => {
      if (this.waiters.delete(waiter)) clearTimeout(waiter.timer)
    }
  }

  /** Takes a free permit if there is one, without waiting. */
  tryAcquire(): boolean {
    if (this.closedWith !== undefined || this.available === 0) return false
    this.available--
    return true
  }

  release(): void {
    for (const next of this.waiters) {
      this.waiters.delete(next)
      clearTimeout(next.timer)
      next.granted()
      return
    }
    this.available++
  }

  /** Fails every waiter, and every later request, with `error`. Permits held stay held until released. */
  close(error: Error): void {
    this.closedWith = error
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer)
      waiter.granted(error)
    }
    this.waiters.clear()
  }

  get closed(): boolean {
    return this.closedWith !== undefined
  }

  get waiting(): number {
    return this.waiters.size
  }
}

interface Waiter {
  readonly granted: (error?: Error) => void
  readonly timer: ReturnType<typeof setTimeout> | undefined
}

const noop = () => {}
