import type { CpuShare } from './cpu';
import type { GraphqlClient, ParleyServer } from './parley';
import type { LatencySummary } from './stats';
import type { Worker } from './worker';

export interface BenchContext {
  parley: ParleyServer;
  gql: GraphqlClient;
  /** The Parley database, where baselines put their own tables beside Parley's. */
  databaseUrl: string;
  /** Starts a load process; the run stops it when the scenario ends. */
  worker(label: string): Worker;
  /**
   * Starts one more Parley process (same build, same database, same admin token) beside
   * `parley`; the run stops it when the scenario ends.
   */
  startParley(label: string): Promise<ParleyServer>;
  /**
   * Measures how the cores were shared while `phase` ran. `server` are the pids counted as the
   * server under test (Parley's by default; a baseline server's when measuring a baseline).
   */
  measureCpu<T>(
    phase: () => Promise<T>,
    server?: number[],
  ): Promise<{ result: T; cpu: CpuShare | undefined }>;
  log(line: string): void;
}

export interface Measured {
  /** Throughput in `unit` per second (or the figure itself for non-rate rows). */
  value: number;
  unit: string;
  latency?: LatencySummary;
  cpu?: CpuShare;
}

export interface Row {
  label: string;
  parley: Measured;
  baseline?: Measured;
  /** parley / baseline where a baseline exists. */
  ratio?: number;
  target: string;
  /** undefined: nothing to meet (informational). */
  met?: boolean;
}

export interface ScenarioResult {
  id: string;
  title: string;
  rows: Row[];
  notes: string[];
}

export interface Scenario {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

/** A row compared with its baseline; `minRatio` null: no target is set, the row is informational. */
export function ratioRow(
  label: string,
  parley: Measured,
  baseline: Measured,
  minRatio: number | null,
  extraTarget?: { text: string; met: boolean },
): Row {
  const ratio = parley.value / baseline.value;
  if (minRatio === null) {
    return { label, parley, baseline, ratio, target: extraTarget?.text ?? 'none set', met: extraTarget?.met };
  }
  const met = ratio >= minRatio && (extraTarget?.met ?? true);
  return {
    label,
    parley,
    baseline,
    ratio,
    target: `≥ ${minRatio} × baseline${extraTarget ? `; ${extraTarget.text}` : ''}`,
    met,
  };
}
