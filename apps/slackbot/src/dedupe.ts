// Remembers recently seen deliveries for a while, so a retried request (x-slack-retry-num) is not
// answered twice by this replica. In memory, and only for the answer: that a delivery or a Confirm
// click acts once is the API's idempotency keys' work, shared by every replica and restart.
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
