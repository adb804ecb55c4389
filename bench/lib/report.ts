import type { CpuShare } from './cpu';
import type { Measured, ScenarioResult } from './scenario';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
}

export interface BenchRun {
  startedAt: string;
  durationSeconds: number;
  command: string;
  machine: Machine;
  scenarios: ScenarioResult[];
  failures: { id: string; error: string }[];
}

function num(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function measured(m: Measured | undefined): string {
  if (!m) return '–';
  const l = m.latency;
  const lat = l && l.count > 0 ? ` · p50 ${num(l.p50)} / p95 ${num(l.p95)} / p99 ${num(l.p99)} ms` : '';
  return `${num(m.value)} ${m.unit}${lat}`;
}

function cpu(c: CpuShare | undefined): string {
  if (!c) return '–';
  return `server ${c.parley}%, load ${c.generators}%, PostgreSQL ${c.postgres}%, other ${c.other}%, idle ${c.idle}%`;
}

const verdict = (met: boolean | undefined): string => (met === undefined ? '–' : met ? '✅' : '❌');

export function consoleTable(run: BenchRun): string {
  const lines: string[] = [];
  for (const s of run.scenarios) {
    lines.push(`${s.id} ${s.title.replace(/`/g, '')}`);
    for (const r of s.rows) {
      lines.push(`  ${r.label}`);
      lines.push(`    parley   ${measured(r.parley)}`);
      if (r.parley.cpu) lines.push(`             cores: ${cpu(r.parley.cpu)}`);
      if (r.baseline) lines.push(`    baseline ${measured(r.baseline)}`);
      if (r.baseline?.cpu) lines.push(`             cores: ${cpu(r.baseline.cpu)}`);
      lines.push(
        `    ${r.ratio !== undefined ? `ratio ${num(r.ratio)}, ` : ''}target ${r.target}: ${r.met === undefined ? 'informational' : r.met ? 'met' : 'NOT met'}`,
      );
    }
  }
  for (const f of run.failures) lines.push(`${f.id} FAILED: ${f.error}`);
  return lines.join('\n');
}

export function markdown(run: BenchRun): string {
  const m = run.machine;
  const out: string[] = [
    `Run of ${run.startedAt} (${Math.round(run.durationSeconds)} s), reproduce with \`${run.command}\`.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node}; ${m.postgres}.`,
    'Everything runs on this one machine: Parley (production build, one process; P3\'s cross-process row adds two more on the same database), its embedded PostgreSQL, and the load generators and baseline servers, each in their own process. The "cores" line under each figure says how the cores were shared while it was measured (percent of all cores\' time).',
    '',
    '| id | figure | Parley | baseline | ratio | target | met |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const s of run.scenarios) {
    for (const r of s.rows) {
      out.push(
        `| ${s.id} | ${r.label} | ${measured(r.parley)} | ${measured(r.baseline)} | ${r.ratio !== undefined ? num(r.ratio) : '–'} | ${r.target} | ${verdict(r.met)} |`,
      );
    }
  }
  for (const f of run.failures) out.push(`| ${f.id} | failed | ${f.error.split('\n')[0]} | | | | ❌ |`);
  for (const s of run.scenarios) {
    out.push('', `### ${s.id}: ${s.title}`, '');
    for (const note of s.notes) out.push(`- ${note}`);
    for (const r of s.rows) {
      out.push(
        `- Cores during "${r.label}": Parley run: ${cpu(r.parley.cpu)}${r.baseline ? `; baseline run: ${cpu(r.baseline.cpu)}` : ''}.`,
      );
    }
  }
  return out.join('\n');
}

export const BEGIN = '<!-- bench:begin (written by npm run bench; edit outside these markers) -->';
export const END = '<!-- bench:end -->';

/** Replaces the generated part of BENCHMARKS.md and keeps the hand-written history around it. */
export function spliceInto(existing: string | undefined, generated: string): string {
  const block = `${BEGIN}\n${generated}\n${END}`;
  if (!existing || !existing.includes(BEGIN) || !existing.includes(END)) {
    return `# Benchmarks\n\n## Latest run\n\n${block}\n`;
  }
  return (
    existing.slice(0, existing.indexOf(BEGIN)) + block + existing.slice(existing.indexOf(END) + END.length)
  );
}
