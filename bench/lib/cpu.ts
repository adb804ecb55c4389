import fs from 'node:fs';
import os from 'node:os';

/**
 * How the machine's cores were shared during a phase, read from /proc: the Parley server, the load
 * generator processes, PostgreSQL's backends, everything else, and idle. Linux only; elsewhere the
 * figures are left out rather than guessed.
 */
export interface CpuShare {
  wallSeconds: number;
  cores: number;
  /** Percent of all cores' time over the phase. */
  parley: number;
  generators: number;
  postgres: number;
  other: number;
  idle: number;
}

export interface CpuGroups {
  parley: number[];
  generators: number[];
}

interface Snapshot {
  at: number;
  total: number;
  idle: number;
  parley: number;
  generators: number;
  postgres: number;
}

// Fields are counted after the command name's closing parenthesis (the name may hold spaces):
// [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime, in clock ticks.
function pidTicks(pid: number): number {
  const fields = statFields(pid);
  return fields ? Number(fields[11]) + Number(fields[12]) : 0;
}

function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // the process ended while we looked
  }
}

/**
 * Every PostgreSQL process's time, plus what the postmaster's reaped children used: a backend
 * whose connection closed within the phase is gone from /proc but counted in its parent's cutime.
 */
function postgresTicks(): number {
  const postgres = new Set<string>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') postgres.add(entry);
    } catch {
      // the process ended while we looked
    }
  }
  let ticks = 0;
  for (const pid of postgres) {
    const fields = statFields(pid);
    if (!fields) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
    if (!postgres.has(fields[1]!)) ticks += Number(fields[13]) + Number(fields[14]);
  }
  return ticks;
}

export function cpuSupported(): boolean {
  return fs.existsSync('/proc/stat');
}

export function cpuSnapshot(groups: CpuGroups): Snapshot | undefined {
  if (!cpuSupported()) return undefined;
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return {
    at: performance.now(),
    total,
    idle: (values[3] ?? 0) + (values[4] ?? 0),
    parley: groups.parley.reduce((a, pid) => a + pidTicks(pid), 0),
    generators: groups.generators.reduce((a, pid) => a + pidTicks(pid), 0),
    postgres: postgresTicks(),
  };
}

export function cpuShare(before: Snapshot | undefined, after: Snapshot | undefined): CpuShare | undefined {
  if (!before || !after) return undefined;
  const total = after.total - before.total;
  if (total <= 0) return undefined;
  const pct = (ticks: number): number => Math.round((1000 * ticks) / total) / 10;
  const parley = after.parley - before.parley;
  const generators = after.generators - before.generators;
  const postgres = after.postgres - before.postgres;
  const idle = after.idle - before.idle;
  return {
    wallSeconds: Math.round((after.at - before.at) / 100) / 10,
    cores: os.cpus().length,
    parley: pct(parley),
    generators: pct(generators),
    postgres: pct(postgres),
    other: pct(Math.max(0, total - idle - parley - generators - postgres)),
    idle: pct(idle),
  };
}
