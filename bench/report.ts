// The results table: one row per figure (workload, driver, server) with its ratios to the same
// figure on the grpc-js server, on the floor server, and driven by the grpc-js client; above 1 is better.
export interface Figure {
  readonly workload: string;
  /** The client kind, or 'h2load', that generated the load. */
  readonly driver: string;
  readonly server: string;
  readonly unit: string;
  /** NaN when the run failed. */
  readonly value: number;
  /** Latencies and memory: ratios are base/value, so above 1 still means better. */
  readonly lowerIsBetter?: boolean;
  /** The server's share of one core while the figure was measured. */
  readonly serverCpu?: number;
  /** The client process's share of one core meanwhile (client-driven figures only). */
  readonly clientCpu?: number;
}

const BASELINE = 'grpc-js';
const FLOOR = 'floor';
const COLUMNS = ['workload', 'driver', 'server', 'value', 'unit', 'vs grpc-js srv', 'vs floor', 'vs grpc-js cli', 'srv cpu', 'cli cpu'];

/** Formats the figures, in the order measured, grouped by workload then driver. */
export function formatTable(figures: readonly Figure[], serverOrder: readonly string[]): string {
  const find = (workload: string, driver: string, server: string): Figure | undefined =>
    figures.find((f) => f.workload === workload && f.driver === driver && f.server === server);
  // Growths can be zero or negative: no ratio means anything then.
  const ratio = (figure: Figure, base: Figure | undefined): string =>
    base === undefined || base === figure || !(base.value > 0 && figure.value > 0) ? ''
      : formatRatio(figure.lowerIsBetter === true ? base.value / figure.value : figure.value / base.value);
  const sorted = [...figures].sort((a, b) =>
    firstIndex(figures, (f) => f.workload === a.workload) - firstIndex(figures, (f) => f.workload === b.workload)
    || firstIndex(figures, (f) => f.driver === a.driver) - firstIndex(figures, (f) => f.driver === b.driver)
    || serverOrder.indexOf(a.server) - serverOrder.indexOf(b.server));
  const rows = sorted.map((f) => [f.workload, f.driver, f.server, formatValue(f.value), f.unit,
    ratio(f, find(f.workload, f.driver, BASELINE)),
    ratio(f, find(f.workload, f.driver, FLOOR)),
    f.driver === 'h2load' ? '' : ratio(f, find(f.workload, BASELINE, f.server)),
    percent(f.serverCpu), percent(f.clientCpu)]);
  return alignColumns([COLUMNS, ...rows]);
}

/** Ours end to end (our client on our server) against grpc-js end to end, per workload. */
export function formatHeadline(figures: readonly Figure[]): string {
  const rows: string[][] = [];
  for (const workload of new Set(figures.map((f) => f.workload))) {
    const pick = (driver: string, server: string): Figure | undefined =>
      figures.find((f) => f.workload === workload && f.driver === driver && f.server === server);
    const ours = pick('ours', 'ours') ?? pick('h2load', 'ours');
    const theirs = pick('grpc-js', 'grpc-js') ?? pick('h2load', 'grpc-js');
    if (ours === undefined || theirs === undefined) continue;
    rows.push([workload, `${formatValue(ours.value)} ${ours.unit}`, `${formatValue(theirs.value)} ${theirs.unit}`,
      formatRatio(ours.lowerIsBetter === true ? theirs.value / ours.value : ours.value / theirs.value)]);
  }
  return alignColumns([['workload', 'ours', 'grpc-js', 'ratio'], ...rows]);
}

function percent(share: number | undefined): string {
  return share === undefined ? '' : `${Math.round(share * 100)}%`;
}

function firstIndex(figures: readonly Figure[], test: (f: Figure) => boolean): number {
  return figures.findIndex(test);
}

export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return 'failed';
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : '';
}

/** Left-aligns text columns and right-aligns numeric ones. */
export function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  const numeric = (cell: string) => /^-?[\d,.]+[x%]?$|^failed$/.test(cell);
  return rows.map((row) => row.map((cell, i) =>
    (numeric(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}
