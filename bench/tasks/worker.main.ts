import { tasks, type TaskName } from './tasks';

interface Call {
  id: number;
  task: TaskName;
  args: unknown;
}

// Child side of lib/worker.ts: run the named task, send back its result or its error.
process.on('message', (raw) => {
  const { id, task, args } = raw as Call;
  const run = tasks[task] as (a: unknown) => unknown;
  Promise.resolve()
    .then(() => run(args))
    .then(
      (result) => process.send!({ id, result: result ?? null }),
      (err: unknown) =>
        process.send!({ id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
});
process.on('disconnect', () => process.exit(0));
