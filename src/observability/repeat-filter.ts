/** Lets an error through once per `windowMs` per message, so an outage does not flood the log. */
export class RepeatFilter {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  fresh(err: unknown): boolean {
    const message = err instanceof Error ? err.message : String(err);
    const now = performance.now();
    const last = this.seen.get(message);
    if (last !== undefined && now - last < this.windowMs) return false;
    if (this.seen.size > 100) this.seen.clear();
    this.seen.set(message, now);
    return true;
  }
}
