// Issue 7's targets, checked against one run's figures: each line names the figures compared,
// the measured value and whether it met the target. Printed, never asserted.
import type { Figure } from './report.js';
import { alignColumns, formatRatio, formatValue } from './report.js';

interface Target {
  readonly name: string;
  /**
   * The measured value, or undefined when the run lacks its figures. `perClientCpu` finds a client-driven
   * figure divided by the client process's share of a core: the rate one core of client would reach.
   */
  measure(find: Finder, perClientCpu: Finder): number | undefined;
  readonly goal: number;
  readonly atMost?: boolean;
  readonly format: (value: number) => string;
}

/** A figure's value; '*' in the workload or driver matches anything (memory checks name their counts). */
type Finder = (workload: string, driver: string, server: string) => number | undefined;

const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined ? undefined : a / b;
const difference = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined ? undefined : a - b;
const mb = (value: number): string => `${formatValue(value)} MB`;

/** The best unary rate a client reached on a server, over the three concurrencies. */
const bestUnary = (find: Finder, driver: string, server: string): number | undefined => {
  const rates = [1, 32, 128].map((c) => find(`unary c=${c}`, driver, server)).filter((v) => v !== undefined);
  return rates.length === 0 ? undefined : Math.max(...rates);
};

const TARGETS: readonly Target[] = [
  { name: 'unary h2load 4x32: ours / floor', goal: 0.85, format: formatRatio,
    measure: (find) => ratio(find('unary h2load 4x32', 'h2load', 'ours'), find('unary h2load 4x32', 'h2load', 'floor')) },
  { name: 'unary h2load 4x32: nest / floor', goal: 0.75, format: formatRatio,
    measure: (find) => ratio(find('unary h2load 4x32', 'h2load', 'nest'), find('unary h2load 4x32', 'h2load', 'floor')) },
  { name: 'server stream h2load 4x32 x100: ours msg/s', goal: 1_000_000, format: formatValue,
    measure: (find) => find('stream h2load 4x32 x100', 'h2load', 'ours') },
  { name: '64 MiB download h2load: ours / floor', goal: 0.8, format: formatRatio,
    measure: (find) => ratio(find('download h2load 64MiB', 'h2load', 'ours'), find('download h2load 64MiB', 'h2load', 'floor')) },
  { name: '64 MiB upload h2load: ours / floor', goal: 0.8, format: formatRatio,
    measure: (find) => ratio(find('upload h2load 64MiB', 'h2load', 'ours'), find('upload h2load 64MiB', 'h2load', 'floor')) },
  { name: 'unary calls/s on ours, best c: our client / grpc-js client', goal: 2, format: formatRatio,
    measure: (find) => ratio(bestUnary(find, 'ours', 'ours'), bestUnary(find, 'grpc-js', 'ours')) },
  // Client and server take turns on one connection (each answers a whole burst before the other starts), so
  // the figure above includes the server's time; this one is the client's own: calls per second of its CPU.
  { name: 'unary calls per client CPU-second on ours, best c: ours / grpc-js', goal: 2, format: formatRatio,
    measure: (_find, perClientCpu) => ratio(bestUnary(perClientCpu, 'ours', 'ours'), bestUnary(perClientCpu, 'grpc-js', 'ours')) },
  ...['ours', 'nest'].flatMap((server): Target[] => [
    { name: `slow reader: ${server} RSS growth`, goal: 100, atMost: true, format: mb,
      measure: (find) => find('slow reader * msgs: RSS growth', 'raw h2', server) },
    // node:http2's own native allocations grow RSS over the first few 100k calls (the floor shows how much):
    // what the server adds on top is what the target is about.
    { name: `many unary calls: ${server} RSS growth after 10k, beyond the floor's`, goal: 10, atMost: true, format: mb,
      measure: (find) => difference(find('* unary calls: RSS growth after 10k', '*', server), find('* unary calls: RSS growth after 10k', '*', 'floor')) },
    { name: `many unary calls: ${server} JS heap growth after 10k`, goal: 1, atMost: true, format: mb,
      measure: (find) => find('* unary calls: heap growth after 10k', '*', server) },
  ]),
];

/** One line per target: measured, goal, and met / NOT MET (or 'not measured' in a narrowed or quick run). */
export function formatTargets(figures: readonly Figure[]): string {
  const matches = (pattern: string, text: string): boolean =>
    new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(text);
  const find: Finder = (workload, driver, server) => {
    const value = figures.find((f) => matches(workload, f.workload) && matches(driver, f.driver) && f.server === server)?.value;
    return value === undefined || Number.isNaN(value) ? undefined : value;
  };
  const perClientCpu: Finder = (workload, driver, server) => {
    const figure = figures.find((f) => f.workload === workload && f.driver === driver && f.server === server);
    return figure?.clientCpu === undefined || !(figure.value > 0 && figure.clientCpu > 0) ? undefined : figure.value / figure.clientCpu;
  };
  const rows = TARGETS.map((target) => {
    const value = target.measure(find, perClientCpu);
    const goal = `${target.atMost === true ? '<=' : '>='} ${target.format(target.goal)}`;
    if (value === undefined) return [target.name, '-', goal, 'not measured'];
    const met = target.atMost === true ? value <= target.goal : value >= target.goal;
    return [target.name, target.format(value), goal, met ? 'met' : 'NOT MET'];
  });
  return alignColumns([['target', 'measured', 'goal', ''], ...rows]);
}
