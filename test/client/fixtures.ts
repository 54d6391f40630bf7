// Shared test fixtures: the Echo schema loaded with our loader, a typed stub shape, and small helpers.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { loadProtos } from '../../lib/schema/load-protos.js';
import type { ServiceDescriptor } from '../../lib/schema/descriptors.js';
import type { StubMethod, UnaryResponseStubMethod } from '../../lib/client/stub.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { ECHO_PROTO } from './echo-server.js';
import type { EchoReply, EchoRequest } from './echo-server.js';

/** Bound on one suite: a hang fails it instead of stalling the run. */
export const SUITE_TIMEOUT_MS = 20_000;
/** Bound on waiting for one call's outcome or one client action (close, a connection attempt). */
export const OUTCOME_WAIT_MS = 5000;
/** Bound on waiting for the server to see a cancel the client sent. */
export const CANCEL_SEEN_MS = 2000;
/** Bound on moving megabytes over loopback. */
export const TRANSFER_WAIT_MS = 10_000;
/** Bound on a child node process running one script. */
const SCRIPT_EXIT_MS = 8000;

export const echoService: ServiceDescriptor = loadProtos(ECHO_PROTO).service('clienttest.Echo');

export function echoMethod(name: string) {
  const method = echoService.methods.get(name);
  if (method === undefined) throw new Error(`no method ${name}`);
  return method;
}

type Req = Partial<EchoRequest>;

export interface EchoStub {
  Unary: UnaryResponseStubMethod<Req, EchoReply>;
  ClientStream: UnaryResponseStubMethod<Req, EchoReply>;
  ServerStream: StubMethod<Req, EchoReply>;
  Bidi: StubMethod<Req, EchoReply>;
}

/** Every value, or the error. */
export function collect<T>(source: Observable<T>): Promise<T[]> {
  return lastValueFrom(source.pipe(toArray()));
}

/** The GrpcError a promise rejects with; fails the test if it resolves or rejects with something else. */
export async function grpcErrorOf(promise: Promise<unknown>): Promise<GrpcError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GrpcError) return err;
    throw err;
  }
  throw new Error('expected a GrpcError, the call succeeded');
}

/** Resolves after ms; for bounded waits only. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects if `promise` takes longer than ms: keeps every wait in a test bounded. */
export function within<T>(ms: number, promise: Promise<T>, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A loopback port nobody listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Runs a script of this folder (its compiled name, 'idle-client.js') in a child node process and resolves once it
 * exits, within SCRIPT_EXIT_MS; `onOutput` sees the output so far after every chunk.
 */
export async function runScript(
  name: string, args: readonly string[], onOutput?: (output: string) => void,
): Promise<{ exitCode: number | null; output: string }> {
  const script = fileURLToPath(new URL(`./${name}`, import.meta.url));
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const read = (chunk: Buffer): void => {
    output += chunk.toString();
    onOutput?.(output);
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  const exitCode = await within(SCRIPT_EXIT_MS, new Promise<number | null>((resolve) => child.on('exit', resolve)), `${name} exit`)
    .catch((err: unknown) => { child.kill(); throw err; });
  return { exitCode, output };
}
