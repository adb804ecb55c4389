import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TaskArgs, TaskName, TaskResult } from '../tasks/tasks';

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

/**
 * A load-generator (or baseline server) process. Tasks run in the child so that the measuring
 * process never competes with the code under test for the same event loop.
 */
export class Worker {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly child: ChildProcess;
  private exited = false;

  constructor(readonly label: string) {
    this.child = fork(path.join(__dirname, '..', 'tasks', 'worker.main.js'), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: ['--max-old-space-size=4096'],
    });
    this.child.on('message', (raw) => {
      const reply = raw as Reply;
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiter.reject(new Error(`${label}: ${reply.error}`));
      else waiter.resolve(reply.result);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`${label} exited (${code ?? signal}) with a task pending`));
      }
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  call<N extends TaskName>(task: N, args: TaskArgs<N>): Promise<TaskResult<N>> {
    if (this.exited) return Promise.reject(new Error(`${this.label} has exited`));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, task, args });
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }
}
