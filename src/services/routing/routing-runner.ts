/**
 * Coalesces routing requests: a request made while a run is in progress is served by the next run
 * (the current one may have read the queue before the caller's commit), and any number of requests
 * made meanwhile share that one next run. Resolves when a run that started after the request ends.
 */
export class RoutingRunner {
  private requested = 0;
  private loop: Promise<void> | null = null;
  private readonly waiters: { generation: number; resolve: () => void; reject: (err: unknown) => void }[] =
    [];

  constructor(private readonly runOnce: () => Promise<void>) {}

  request(): Promise<void> {
    const generation = ++this.requested;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ generation, resolve, reject }));
    this.loop ??= this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    let completed = 0;
    while (completed < this.requested) {
      const covers = this.requested;
      let failure: unknown = null;
      try {
        await this.runOnce();
      } catch (err) {
        failure = err ?? new Error('routing run failed');
      }
      completed = covers;
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const waiter = this.waiters[i]!;
        if (waiter.generation > covers) continue;
        this.waiters.splice(i, 1);
        if (failure === null) waiter.resolve();
        else waiter.reject(failure);
      }
    }
    this.loop = null;
  }
}
