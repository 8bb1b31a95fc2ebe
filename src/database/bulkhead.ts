/**
 * At most `limit` runs at once; the others wait in arrival order, each for at most `timeoutMs`, and
 * then fail with `onTimeout()` without running.
 */
export class Bulkhead {
  private active = 0;
  /** Waiters in arrival order (a Set keeps insertion order and drops a timed-out one in O(1)). */
  private readonly waiting = new Set<() => void>();

  constructor(
    readonly limit: number,
    private readonly timeoutMs: number,
    private readonly onTimeout: () => Error,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await this.turn();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private turn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiting.delete(grant);
        reject(this.onTimeout());
      }, this.timeoutMs);
      this.waiting.add(grant);
    });
  }

  private release(): void {
    const next = this.waiting.values().next();
    if (next.done) {
      this.active--;
      return;
    }
    // The slot passes straight to the longest waiter: `active` stays as it is.
    this.waiting.delete(next.value);
    next.value();
  }
}
