// The soak's table: calls per status code and calls/s, then each memory figure and handle kind before, after
// and their delta on both sides, and the handle kinds whose count grew (leaked handles).
import { Status } from '../lib/protocol/status.js';
import { WRONG_ANSWER } from './soak-clients.js';
import type { SoakSnapshot } from './soak-measure.js';

interface Sides { readonly client: SoakSnapshot; readonly server: SoakSnapshot }

export interface SoakResult {
  readonly serverKind: string;
  readonly clientKind: string;
  readonly calls: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly statuses: ReadonlyMap<number, number>;
  readonly before: Sides;
  readonly after: Sides;
  /** 1-minute load average when the timed run started and when it ended. */
  readonly load: readonly [number, number];
}

const MB = 1024 * 1024;
const MEMORY: readonly (keyof Omit<SoakSnapshot, 'handles'>)[] = ['rss', 'heapUsed', 'external', 'arrayBuffers'];

export function printSoakReport(result: SoakResult): void {
  const { before, after } = result;
  const out: string[] = [
    `Soak: server ${result.serverKind}, client ${result.clientKind}, ${result.calls} calls, ${result.concurrency} in flight, `
      + `${result.seconds.toFixed(1)} s, ${(result.calls / result.seconds).toFixed(0)} calls/s `
      + `(load average ${result.load[0].toFixed(2)} -> ${result.load[1].toFixed(2)})`,
    '',
    '| status | calls |',
    '| --- | ---: |',
  ];
  for (const [code, count] of [...result.statuses].sort(([a], [b]) => a - b)) {
    out.push(`| ${code === WRONG_ANSWER ? 'wrong answer' : `${code} ${Status[code] ?? ''}`} | ${count} |`);
  }
  out.push('', '| figure | client before | client after | client delta | server before | server after | server delta |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const key of MEMORY) {
    out.push(row(`${key} (MB)`, before.client[key] / MB, after.client[key] / MB, before.server[key] / MB, after.server[key] / MB, 1));
  }
  const kinds = [...new Set([before, after].flatMap((s) => [...Object.keys(s.client.handles), ...Object.keys(s.server.handles)]))].sort();
  const count = (snap: SoakSnapshot, kind: string): number => snap.handles[kind] ?? 0;
  out.push(row('handles (all)', total(before.client), total(after.client), total(before.server), total(after.server), 0));
  for (const kind of kinds) {
    out.push(row(`  ${kind}`, count(before.client, kind), count(after.client, kind), count(before.server, kind), count(after.server, kind), 0));
  }
  const leaked = (side: keyof Sides): string => kinds
    .filter((kind) => count(after[side], kind) > count(before[side], kind))
    .map((kind) => `${kind} +${count(after[side], kind) - count(before[side], kind)}`).join(', ') || 'none';
  out.push('', `Leaked handles, client: ${leaked('client')}; server: ${leaked('server')}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

function row(name: string, clientBefore: number, clientAfter: number, serverBefore: number, serverAfter: number, digits: number): string {
  const fmt = (value: number): string => value.toFixed(digits);
  const delta = (value: number): string => `${value >= 0 ? '+' : ''}${fmt(value)}`;
  return `| ${name} | ${fmt(clientBefore)} | ${fmt(clientAfter)} | ${delta(clientAfter - clientBefore)} | `
    + `${fmt(serverBefore)} | ${fmt(serverAfter)} | ${delta(serverAfter - serverBefore)} |`;
}

function total(snap: SoakSnapshot): number {
  return Object.values(snap.handles).reduce((sum, n) => sum + n, 0);
}
