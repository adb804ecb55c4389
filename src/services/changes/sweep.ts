/**
 * A sweep over overdue automations: read the next `batch` due items, handle each (a change that
 * returns false when it turned out to have nothing to do), until a read comes back short or a
 * whole batch made no progress (what is left is not due for this sweep's handler). Returns how
 * many were handled.
 */
export async function sweepDue<T>(
  readDue: (batch: number) => Promise<readonly T[]>,
  handle: (item: T) => Promise<boolean>,
  batch: number,
): Promise<number> {
  let handled = 0;
  for (;;) {
    const due = await readDue(batch);
    let progressed = 0;
    for (const item of due) if (await handle(item)) progressed++;
    handled += progressed;
    if (due.length < batch || progressed === 0) return handled;
  }
}
