// `--profile`: runs h2load's unary and streaming loads on a server kind under node --cpu-prof and
// prints the functions with the most self time, to find where its hot path spends.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOOPBACK } from './bench-proto.js';
import { H2LOAD_WORKLOADS, measureH2load } from './h2load.js';
import type { H2loadSettings } from './h2load.js';
import { CLIENT_KINDS } from './kinds.js';
import { spawnServer } from './server.js';
import { unaryRate } from './workloads.js';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; hitCount?: number }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples?: number[] }

// Where self time goes, by the frame descriptions describeFrame makes.
const AREAS: readonly (readonly [string, (name: string) => boolean])[] = [
  ['ours (dist/lib)', (name) => name.includes(' dist/lib/')],
  ['node_modules', (name) => name.includes(' node_modules/')],
  ['node internals', (name) => name.includes(' node:')],
  ['gc', (name) => name === '(garbage collector)'],
  ['native/other', (name) => !name.includes(' ') && name !== '(idle)' && name !== '(garbage collector)'],
];

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOP = 25;

/** Profiles each server kind under each h2load workload (or, without h2load, grpc-js client unary load). */
export async function profileKinds(kinds: readonly string[], run: H2loadSettings, useH2load: boolean, serverCpu?: number, loadCpu?: number): Promise<void> {
  for (const kind of kinds) {
    for (const workload of useH2load ? H2LOAD_WORKLOADS : [undefined]) {
      const dir = mkdtempSync(join(tmpdir(), 'grpc-bench-profile-'));
      const child = await spawnServer(kind, { cpu: serverCpu, profileDir: dir });
      try {
        if (workload !== undefined) measureH2load(workload, child.port, run, loadCpu);
        else {
          const client = CLIENT_KINDS.find((k) => k.name === 'grpc-js')!.connect(`${LOOPBACK}:${child.port}`);
          await unaryRate(client, 32, { warmupMs: 500, durationMs: 3000, streamCount: 0, bulkBytes: 0, repeats: 1, pingPongRounds: 0 });
          await client.close();
        }
      } finally {
        await child.stop();
      }
      const driver = workload === undefined ? 'the grpc-js client, unary c=32' : `h2load ${workload.name}`;
      process.stdout.write(`\nprofile of ${kind} under ${driver}: ${findProfile(dir)}\n${summariseProfile(findProfile(dir), TOP, PROJECT_ROOT)}\n`);
    }
  }
}

/** The newest .cpuprofile file in `dir`. */
export function findProfile(dir: string): string {
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile')).sort();
  if (files.length === 0) throw new Error(`No .cpuprofile written in ${dir}`);
  return join(dir, files[files.length - 1]!);
}

/** The `top` functions by self time, one aligned line each, with their share of all samples. */
export function summariseProfile(path: string, top: number, root: string): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const selfHits = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const key = describeFrame(node.callFrame, root);
    selfHits.set(key, (selfHits.get(key) ?? 0) + hits);
  }
  const msPerHit = (profile.endTime - profile.startTime) / 1000 / Math.max(total, 1);
  const idle = selfHits.get('(idle)') ?? 0;
  const lines = [...selfHits].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, hits]) =>
    `${((hits * 100) / total).toFixed(1).padStart(5)}%  ${(hits * msPerHit).toFixed(0).padStart(6)} ms  ${name}`);
  const busy = (((total - idle) * 100) / Math.max(total, 1)).toFixed(0);
  const areas = AREAS.map(([label, test]) => {
    const hits = [...selfHits].filter(([name]) => test(name)).reduce((sum, [, n]) => sum + n, 0);
    return `${label} ${((hits * 100) / total).toFixed(1)}%`;
  });
  return [`${total} samples over ${(total * msPerHit / 1000).toFixed(1)} s, ${busy}% busy; self time by area: ${areas.join(', ')}`,
    'top self time:', ...lines].join('\n');
}

/** `name file:line`, with files relative to the project and node internals marked as such. */
function describeFrame(frame: CallFrame, root: string): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  if (frame.url === '') return name;
  const file = frame.url.startsWith('file://') ? relative(root, new URL(frame.url).pathname) : frame.url;
  return `${name}  ${file}:${frame.lineNumber + 1}`;
}
