interface Window {
  startedAt: number;
  count: number;
}

export interface RateVerdict {
  allowed: boolean;
  /** Whole seconds until the key's window ends (at least 1), for `Retry-After`. */
  retryAfterSeconds: number;
}

/**
 * A fixed-window attempt counter per key (the client IP), in memory. Memory stays bounded: windows
 * that have ended are dropped as time passes, and beyond `maxKeys` the oldest window is evicted.
 */
export class FixedWindowRateLimiter {
  // Map order is window-start order (a new window is inserted at the end), so ended ones come first.
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts one attempt, allowed or not, and says whether it is within the limit. */
  hit(key: string, now: number): RateVerdict {
    this.dropEnded(now);
    let window = this.windows.get(key);
    if (!window) {
      if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value as string);
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    const remainingMs = window.startedAt + this.windowMs - now;
    return { allowed: window.count <= this.limit, retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)) };
  }

  /** How many keys are being tracked. */
  get size(): number {
    return this.windows.size;
  }

  private dropEnded(now: number): void {
    for (const [key, window] of this.windows) {
      if (now - window.startedAt < this.windowMs) return;
      this.windows.delete(key);
    }
  }
}
