// Remembers recently seen deliveries for a while, so a retried request (x-slack-retry-num) or a
// double click acts once. In memory: a restart forgets, which Slack's retry window (seconds) allows.
export class Deduper {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time `key` is offered within the TTL, false after. */
  first(key: string): boolean {
    const now = this.now();
    this.prune(now);
    if (this.seen.has(key)) return false;
    this.seen.set(key, now);
    return true;
  }

  private prune(now: number) {
    // Insertion order is time order, so stop at the first fresh key.
    for (const [key, at] of this.seen) {
      if (now - at < this.ttlMs) break;
      this.seen.delete(key);
    }
  }
}
