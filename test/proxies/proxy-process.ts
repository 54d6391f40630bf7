// A proxy under test as a child process: config written to a temp dir of its own, run in the foreground on a
// loopback port, ready once the port accepts; stop() ends it and removes the dir.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { findProxyBinary, versionOf } from './proxy-binary.js';
import { haproxyConfig, nginxConfig, nginxHasHttp2Directive } from './proxy-configs.js';
import type { ProxySetup } from './proxy-configs.js';

export type ProxyName = 'nginx' | 'haproxy';

export interface RunningProxy {
  readonly address: string;
  /** What the proxy wrote to its log and stderr so far, for failure messages. */
  log(): string;
  /**
   * What an operator does at the proxy before closing a backend; true when that took it out of rotation. nginx
   * marks it `down` and reloads (old workers finish their calls); HAProxy needs nothing (false): its retries send
   * a call the closing backend refused elsewhere.
   */
  retire(backend: string): Promise<boolean>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3_000;

/** A loopback port free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

function writeNginxConfig(setup: ProxySetup, version: string): string {
  const file = join(setup.dir, 'nginx.conf');
  writeFileSync(file, nginxConfig(setup, nginxHasHttp2Directive(version)));
  return file;
}

// Each proxy in the foreground, its files in `dir`: nginx's -e keeps it off /var/log before the config is read.
function command(name: ProxyName, setup: ProxySetup, version: string): string[] {
  if (name === 'nginx') {
    const file = writeNginxConfig(setup, version);
    return ['-p', `${setup.dir}/`, '-e', join(setup.dir, 'error.log'), '-c', file, '-g', 'daemon off;'];
  }
  const file = join(setup.dir, 'haproxy.cfg');
  writeFileSync(file, haproxyConfig(setup));
  return ['-db', '-f', file];
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `name` in front of `backends`; rejects with its output if it does not listen in time. */
export async function startProxy(name: ProxyName, backends: readonly string[]): Promise<RunningProxy> {
  const binary = findProxyBinary(name);
  if (!('path' in binary)) throw new Error(binary.missing);
  const version = versionOf(binary.path, '-v');
  const dir = mkdtempSync(join(tmpdir(), `grpc-${name}-`));
  const setup: ProxySetup = { dir, port: await freePort(), backends, runsAsRoot: process.getuid?.() === 0 };
  const child = spawn(binary.path, command(name, setup, version), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const log = (): string => {
    let file = '';
    try { file = readFileSync(join(dir, 'error.log'), 'utf8'); } catch { /* haproxy logs nowhere */ }
    return `${output}${file}`.trim();
  };
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited(child);
    clearTimeout(killer);
    rmSync(dir, { recursive: true, force: true });
  };
  // nginx logs (at notice) each worker it starts: a reload is done once a worker started after it.
  const retire = async (backend: string): Promise<boolean> => {
    if (name !== 'nginx') return false;
    const workersBefore = log().split('start worker process ').length;
    writeNginxConfig({ ...setup, down: [backend] }, version);
    child.kill('SIGHUP');
    const reloaded = Date.now() + READY_TIMEOUT_MS;
    while (log().split('start worker process ').length === workersBefore) {
      if (Date.now() > reloaded) throw new Error(`nginx did not reload: ${log()}`);
      await delay(10);
    }
    return true;
  };
  const until = Date.now() + READY_TIMEOUT_MS;
  while (!(await accepts(setup.port))) {
    if (child.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`${name} did not start listening on 127.0.0.1:${setup.port}: ${log()}`);
    }
    await delay(20);
  }
  return { address: `127.0.0.1:${setup.port}`, log, retire, stop };
}
