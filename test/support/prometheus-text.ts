/** One sample line: `name{label="value",…} 1.5`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;
// A histogram's or summary's samples carry these suffixes on the family's name.
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

/**
 * A strict reader of the Prometheus text format (0.0.4): every line must be a comment, a HELP or
 * TYPE line, or a sample of a family whose TYPE came first; anything else throws, so a malformed
 * exposition fails the test rather than being skipped.
 */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const family = (name: string): MetricFamily => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: 'untyped', help: '', samples: [] }));
    return f;
  };
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (kind === 'HELP') family(name!).help = unescape(rest!);
      else family(name!).type = rest!;
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`line ${index + 1} is not a sample: ${line}`);
    const [, name, labelText, valueText] = match;
    const owner =
      families.get(name!) ??
      SUFFIXES.filter((s) => name!.endsWith(s))
        .map((s) => families.get(name!.slice(0, -s.length)))
        .find((f) => f !== undefined);
    if (!owner) throw new Error(`line ${index + 1}: sample ${name} before its family's TYPE`);
    owner.samples.push({
      name: name!,
      labels: parseLabels(labelText ?? '', index),
      value: parseValue(valueText!),
    });
  }
  return families;
}

function parseLabels(text: string, index: number): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw new Error(`line ${index + 1}: malformed labels {${text}}`);
    labels[match[1]!] = unescape(match[2]!);
  }
  return labels;
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  // Prometheus reads special values case-insensitively, and prom-client writes NaN as "Nan".
  if (text.toLowerCase() === 'nan') return NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`not a sample value: ${text}`);
  return value;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}
